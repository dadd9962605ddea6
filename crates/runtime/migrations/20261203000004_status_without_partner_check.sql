-- The gateway writes a status row per accepted record, for the partner it has just
-- authenticated, and partners are never deleted (only disabled): the foreign key's check, a
-- trigger and a look-up per inserted row, guarded nothing and was the largest part of the
-- database's work per accepted record.
alter table record_status drop constraint record_status_partner_id_fkey;
