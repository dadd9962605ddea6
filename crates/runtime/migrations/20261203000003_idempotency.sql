-- Idempotency-Key per partner (contract §3): the first 200 is kept for 24 hours and replayed
-- to a retry with the same key and body.
create table idempotency_keys (
    partner_id bigint not null references partners (id) on delete cascade,
    key text not null,
    request_sha256 bytea not null,
    state text not null check (state in ('in_flight', 'done')),
    response_body bytea,
    created_at timestamptz not null default now(),
    primary key (partner_id, key)
);

create index idempotency_keys_created on idempotency_keys (created_at);
