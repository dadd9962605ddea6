-- The applied state of each resident/services link: the newest record of its
-- (partner, externalId). `record_id` orders records (UUIDv7): an older one never replaces it.
create table links (
    partner_id bigint not null references partners (id),
    external_id text not null,
    record_id uuid not null,
    account_id text not null,
    product_codes text[] not null,
    msisdn text not null,
    email text,
    first_name text,
    last_name text,
    mid_name text,
    address text not null,
    apartment text not null,
    started_at timestamptz not null,
    -- Exclusive end; null means no end.
    finished_at timestamptz,
    block_reason text,
    applied_at timestamptz not null,
    primary key (partner_id, external_id)
);

create index links_account on links (partner_id, account_id);

-- Product events, written in the transaction that applies the record (an outbox) and relayed
-- to the `billing.events` exchange with confirms, at least once.
create table outbox_events (
    seq bigint generated always as identity primary key,
    event_id uuid not null unique,
    event_type text not null,
    payload jsonb not null,
    created_at timestamptz not null default now(),
    sent_at timestamptz
);

create index outbox_events_unsent on outbox_events (seq) where sent_at is null;
