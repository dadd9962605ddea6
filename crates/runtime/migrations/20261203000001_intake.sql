-- The operator's product catalogue. Partners send these codes or their own aliases of them.
create table products (
    code text primary key,
    name text not null
);

insert into products (code, name) values
    ('base', 'Базовый доступ к домофону'),
    ('intercoms', 'Дополнительные домофонные трубки'),
    ('video', 'Видеонаблюдение'),
    ('archive', 'Видеоархив'),
    ('gate', 'Шлагбаум и ворота');

-- Partners and their Basic-auth credentials. The secret is 32 random bytes, so a fast hash
-- (SHA-256) is safe here and costs nothing per request; a slow password hash would be needed
-- only for human-chosen passwords.
create table partners (
    id bigint generated always as identity primary key,
    name text not null unique,
    username text not null unique,
    secret_sha256 bytea not null,
    created_at timestamptz not null default now(),
    rotated_at timestamptz,
    disabled_at timestamptz
);

-- A partner's own names for the operator's products, matched case-insensitively (stored lower-case).
create table partner_aliases (
    partner_id bigint not null references partners (id) on delete cascade,
    alias text not null check (alias = lower(alias)),
    product_code text not null references products (code),
    primary key (partner_id, alias)
);

-- One row per accepted record, from the moment its 200 is sent: queued -> applied | superseded | failed.
create table record_status (
    id uuid primary key,
    partner_id bigint not null references partners (id),
    external_id text not null,
    -- Lets an account view count the rows of that account still queued.
    account_id text not null,
    status text not null default 'queued'
        check (status in ('queued', 'applied', 'superseded', 'failed')),
    created_at timestamptz not null,
    processed_at timestamptz,
    superseded_by uuid,
    errors jsonb,
    request_id text
);

-- Newest-first listing per partner (UUIDv7 ids sort by time).
create index record_status_partner_id on record_status (partner_id, id desc);
create index record_status_partner_external on record_status (partner_id, external_id, id desc);
create index record_status_queued_account on record_status (partner_id, account_id) where status = 'queued';
