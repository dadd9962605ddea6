//! Reads a request body into normalised records, or into every problem it has.
//!
//! The body is read in one streaming pass with serde visitors that never give up on a record
//! for a wrong type, a duplicate key or an unknown field: they note the problem with its path
//! and go on, so that one record's error never hides another's. Only malformed JSON stops the
//! pass (the parser cannot go on). `serde_json::Value` is not used because it keeps the last of
//! duplicate keys silently, and derived `Deserialize` stops at the first problem.

use crate::error::{ErrorCode, Problems};
use crate::fields::text::limits;
use crate::fields::{Rejection, address, dates::WrittenDate, email, msisdn::Msisdn, text};
use crate::record::Record;
use jiff::tz::TimeZone;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Limits and settings a batch is read with.
#[derive(Debug, Clone)]
pub struct BatchLimits {
    pub max_records: usize,
    /// The operator's zone: dates without an offset are read in it.
    pub zone: TimeZone,
}

/// Resolves a product code as the partner sent it (the operator's code or the partner's alias)
/// to the operator's catalogue code, or `None` if it names no product.
pub trait ProductResolver {
    fn resolve(&self, code: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> ProductResolver for F {
    fn resolve(&self, code: &str) -> Option<String> {
        self(code)
    }
}

/// Reads `body` (UTF-8 JSON `{"data": [...]}`, an optional byte-order mark first) into
/// normalised records in input order, or returns every problem found.
pub fn parse_batch(
    body: &[u8],
    limits: &BatchLimits,
    products: &dyn ProductResolver,
) -> Result<Vec<Record>, Problems> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut problems = Problems::default();
    let data = match read_body(body, &mut problems) {
        Ok(data) => data,
        Err(error) => {
            let mut only = Problems::default();
            only.push("", ErrorCode::InvalidJson, json_error_detail(&error));
            return Err(only);
        }
    };
    let items = match data {
        DataField::NotInObject => return Err(problems),
        DataField::Missing | DataField::Null => {
            problems.push(
                "data",
                ErrorCode::Required,
                "a `data` array of records is required",
            );
            return Err(problems);
        }
        DataField::WrongType(kind) => {
            problems.push(
                "data",
                ErrorCode::InvalidType,
                format!("must be an array of records, not {kind}"),
            );
            return Err(problems);
        }
        DataField::Items(items) => items,
    };
    if items.is_empty() {
        problems.push(
            "data",
            ErrorCode::EmptyBatch,
            "the batch must hold at least one record",
        );
        return Err(problems);
    }
    if items.len() > limits.max_records {
        problems.push(
            "data",
            ErrorCode::TooManyRecords,
            format!("a batch holds at most {} records", limits.max_records),
        );
        return Err(problems);
    }
    let mut records = Vec::with_capacity(items.len());
    let mut seen_external_ids: HashSet<String> = HashSet::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let Some(raw) = item else { continue };
        let (external_id, record) =
            RecordCheck::new(index, &mut problems, limits, products).run(raw);
        // Checked even when the record has other errors, so a fix of those does not reveal a
        // new error on the next attempt.
        if let Some(external_id) = external_id
            && !seen_external_ids.insert(external_id)
        {
            problems.push(
                format!("data.{index}.externalId"),
                ErrorCode::DuplicateExternalId,
                "the same externalId appears earlier in this batch",
            );
        }
        records.extend(record);
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        Err(problems)
    }
}

fn read_body(body: &[u8], problems: &mut Problems) -> Result<DataField, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let data = BodySeed { problems }.deserialize(&mut de)?;
    de.end()?;
    Ok(data)
}

/// serde_json's syntax messages name the place, never the value; its type messages (which
/// could name internal types) cannot occur here because every visitor accepts every type.
fn json_error_detail(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Eof => format!(
            "the body is not complete JSON: it ends at line {} column {}",
            error.line(),
            error.column()
        ),
        Category::Io => "the body could not be read".to_owned(),
        _ => format!("the body is not valid JSON: {error}"),
    }
}

// ---------------------------------------------------------------------------------------
// The fields of a record.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    ExternalId,
    AccountId,
    ProductCodes,
    Msisdn,
    Email,
    FirstName,
    LastName,
    MidName,
    Address,
    Apartment,
    StartedAt,
    FinishedAt,
    BlockReason,
}

impl Field {
    const ALL: [Field; 13] = [
        Field::ExternalId,
        Field::AccountId,
        Field::ProductCodes,
        Field::Msisdn,
        Field::Email,
        Field::FirstName,
        Field::LastName,
        Field::MidName,
        Field::Address,
        Field::Apartment,
        Field::StartedAt,
        Field::FinishedAt,
        Field::BlockReason,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::ExternalId => "externalId",
            Field::AccountId => "accountId",
            Field::ProductCodes => "productCodes",
            Field::Msisdn => "msisdn",
            Field::Email => "email",
            Field::FirstName => "firstName",
            Field::LastName => "lastName",
            Field::MidName => "midName",
            Field::Address => "address",
            Field::Apartment => "apartment",
            Field::StartedAt => "startedAt",
            Field::FinishedAt => "finishedAt",
            Field::BlockReason => "blockReason",
        }
    }

    fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == key)
    }
}

/// A JSON value as far as the intake cares: a string, null, a list (one level deep, for
/// `productCodes`), or something of another kind, named for the error detail.
#[derive(Debug)]
enum Json {
    Null,
    Str(String),
    List(Vec<Json>),
    Other(&'static str),
    /// The key appeared twice in the record: already reported, checked no further.
    Duplicate,
}

/// One record as read, before its values are checked.
#[derive(Debug, Default)]
struct RawRecord {
    values: HashMap<Field, Json>,
}

enum DataField {
    /// The body itself was not an object: already reported.
    NotInObject,
    Missing,
    Null,
    WrongType(&'static str),
    Items(Vec<Option<RawRecord>>),
}

// ---------------------------------------------------------------------------------------
// Visitors. Each accepts every JSON type so that a wrong type becomes a problem, not a stop.

/// Drains the rest of a map or sequence so the parser can go on after a wrong-type value.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Generates the `visit_*` methods of the JSON scalars a visitor refuses: each answers
/// `refuse(self, kind)`. With `and strings and null`, strings and `null` are refused too.
macro_rules! refuse_scalars {
    ($refuse:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(($refuse)(self, "a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(($refuse)(self, "a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(($refuse)(self, "a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(($refuse)(self, "a number"))
        }
    };
    ($refuse:expr, and strings and null) => {
        refuse_scalars!($refuse);
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(($refuse)(self, "a string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(($refuse)(self, "null"))
        }
    };
}

struct JsonSeed {
    /// 0 for a field's value; 1 inside a list, where lists are not expected.
    depth: u8,
}

impl<'de> DeserializeSeed<'de> for JsonSeed {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonSeed {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    refuse_scalars!(|_, kind| Json::Other(kind));
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        if self.depth > 0 {
            drain_seq(seq)?;
            return Ok(Json::Other("an array"));
        }
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(JsonSeed {
            depth: self.depth + 1,
        })? {
            items.push(item);
        }
        Ok(Json::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Json, A::Error> {
        drain_map(map)?;
        Ok(Json::Other("an object"))
    }
}

/// Longest key echoed back in a `source` path: an unknown key is the partner's text.
const MAX_KEY_IN_PATH: usize = 64;

fn key_path(prefix: &str, key: &str) -> String {
    let key: String = key.chars().take(MAX_KEY_IN_PATH).collect();
    if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    }
}

struct BodySeed<'p> {
    problems: &'p mut Problems,
}

impl<'de> DeserializeSeed<'de> for BodySeed<'_> {
    type Value = DataField;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DataField, D::Error> {
        d.deserialize_any(self)
    }
}

impl BodySeed<'_> {
    fn not_an_object(self, kind: &'static str) -> DataField {
        self.problems.push(
            "",
            ErrorCode::InvalidType,
            format!("the body must be a JSON object {{\"data\": [...]}}, not {kind}"),
        );
        DataField::NotInObject
    }
}

impl<'de> Visitor<'de> for BodySeed<'_> {
    type Value = DataField;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    refuse_scalars!(Self::not_an_object, and strings and null);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<DataField, A::Error> {
        drain_seq(seq)?;
        Ok(self.not_an_object("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DataField, A::Error> {
        let mut data = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "data" {
                self.problems.push(
                    key_path("", &key),
                    ErrorCode::UnknownField,
                    "is not a field of the body; expected only `data`",
                );
                map.next_value::<IgnoredAny>()?;
            } else if data.is_some() {
                self.problems.push(
                    "data",
                    ErrorCode::DuplicateField,
                    "appears more than once in the body",
                );
                map.next_value::<IgnoredAny>()?;
            } else {
                data = Some(map.next_value_seed(DataSeed {
                    problems: &mut *self.problems,
                })?);
            }
        }
        Ok(data.unwrap_or(DataField::Missing))
    }
}

struct DataSeed<'p> {
    problems: &'p mut Problems,
}

impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = DataField;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DataField, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_> {
    type Value = DataField;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }
    refuse_scalars!(|_, kind| DataField::WrongType(kind));
    fn visit_str<E: de::Error>(self, _: &str) -> Result<DataField, E> {
        Ok(DataField::WrongType("a string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<DataField, E> {
        Ok(DataField::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<DataField, E> {
        Ok(DataField::Null)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DataField, A::Error> {
        drain_map(map)?;
        Ok(DataField::WrongType("an object"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DataField, A::Error> {
        let mut items = Vec::new();
        loop {
            let seed = RecordSeed {
                index: items.len(),
                problems: &mut *self.problems,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(DataField::Items(items))
    }
}

struct RecordSeed<'p> {
    index: usize,
    problems: &'p mut Problems,
}

impl RecordSeed<'_> {
    fn not_an_object(self, kind: &'static str) -> Option<RawRecord> {
        self.problems.push(
            format!("data.{}", self.index),
            ErrorCode::InvalidType,
            format!("a record must be an object, not {kind}"),
        );
        None
    }
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Option<RawRecord>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<RawRecord>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Option<RawRecord>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }
    refuse_scalars!(Self::not_an_object, and strings and null);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(self.not_an_object("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let prefix = format!("data.{}", self.index);
        let mut raw = RawRecord::default();
        let mut duplicated = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let Some(field) = Field::from_key(&key) else {
                self.problems.push(
                    key_path(&prefix, &key),
                    ErrorCode::UnknownField,
                    "is not a field of a record; check the spelling against the contract",
                );
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let value = map.next_value_seed(JsonSeed { depth: 0 })?;
            if raw.values.insert(field, value).is_some() && !duplicated.contains(&field) {
                duplicated.push(field);
            }
        }
        for field in duplicated {
            // Neither the first nor the last value may silently win.
            raw.values.insert(field, Json::Duplicate);
            self.problems.push(
                format!("{prefix}.{}", field.name()),
                ErrorCode::DuplicateField,
                "appears more than once in this record",
            );
        }
        Ok(Some(raw))
    }
}

// ---------------------------------------------------------------------------------------
// Checking one record's values.

/// What a field's value was once its JSON type was checked.
enum Value {
    /// Absent, null, or blank after trimming: all mean "none".
    Absent,
    Text(String),
    /// Wrong type or duplicated: a problem is already noted; no further checks.
    Refused,
}

struct RecordCheck<'a> {
    index: usize,
    problems: &'a mut Problems,
    limits: &'a BatchLimits,
    products: &'a dyn ProductResolver,
    failed: bool,
}

impl<'a> RecordCheck<'a> {
    fn new(
        index: usize,
        problems: &'a mut Problems,
        limits: &'a BatchLimits,
        products: &'a dyn ProductResolver,
    ) -> Self {
        RecordCheck {
            index,
            problems,
            limits,
            products,
            failed: false,
        }
    }

    fn path(&self, field: Field) -> String {
        format!("data.{}.{}", self.index, field.name())
    }

    fn reject(&mut self, path: String, rejection: Rejection) {
        self.failed = true;
        self.problems.push(path, rejection.code, rejection.detail);
    }

    fn text(&mut self, raw: &mut RawRecord, field: Field) -> Value {
        match raw.values.remove(&field) {
            None | Some(Json::Null) => Value::Absent,
            // Blank means absent; control characters count as blank (an export's padding).
            Some(Json::Str(s)) if is_blank(&s) => Value::Absent,
            Some(Json::Str(s)) => Value::Text(s.trim().to_owned()),
            Some(Json::List(_)) => self.wrong_type(field, "an array"),
            Some(Json::Other(kind)) => self.wrong_type(field, kind),
            Some(Json::Duplicate) => Value::Refused,
        }
    }

    fn wrong_type(&mut self, field: Field, kind: &'static str) -> Value {
        self.failed = true;
        self.problems.push(
            self.path(field),
            ErrorCode::InvalidType,
            format!("must be a string, not {kind}"),
        );
        Value::Refused
    }

    /// A required field, then `parse` on its trimmed text.
    fn required<T>(
        &mut self,
        raw: &mut RawRecord,
        field: Field,
        parse: impl FnOnce(&str) -> Result<T, Rejection>,
    ) -> Option<T> {
        match self.text(raw, field) {
            Value::Absent => {
                self.failed = true;
                self.problems.push(
                    self.path(field),
                    ErrorCode::Required,
                    "is required and must not be blank",
                );
                None
            }
            Value::Text(s) => self.parsed(field, &s, parse),
            Value::Refused => None,
        }
    }

    /// An optional field: `Some(None)` when absent, `None` when refused.
    fn optional<T>(
        &mut self,
        raw: &mut RawRecord,
        field: Field,
        parse: impl FnOnce(&str) -> Result<T, Rejection>,
    ) -> Option<Option<T>> {
        match self.text(raw, field) {
            Value::Absent => Some(None),
            Value::Text(s) => self.parsed(field, &s, parse).map(Some),
            Value::Refused => None,
        }
    }

    fn parsed<T>(
        &mut self,
        field: Field,
        s: &str,
        parse: impl FnOnce(&str) -> Result<T, Rejection>,
    ) -> Option<T> {
        parse(s).map_err(|r| self.reject(self.path(field), r)).ok()
    }

    /// The record's externalId (when it is valid) and the record (when all of it is).
    fn run(mut self, mut raw: RawRecord) -> (Option<String>, Option<Record>) {
        let external_id = self.required(&mut raw, Field::ExternalId, identifier);
        let checked_id = external_id.clone();
        (checked_id, self.build(raw, external_id))
    }

    fn build(&mut self, mut raw: RawRecord, external_id: Option<String>) -> Option<Record> {
        let account_id = self.required(&mut raw, Field::AccountId, identifier);
        let product_codes = self.product_codes(&mut raw);
        let msisdn = self.required(&mut raw, Field::Msisdn, |s| {
            Msisdn::parse(s).map(Msisdn::into_string)
        });
        let email = self.optional(&mut raw, Field::Email, email::normalise);
        let first_name = self.optional(&mut raw, Field::FirstName, name);
        let last_name = self.optional(&mut raw, Field::LastName, name);
        let mid_name = self.optional(&mut raw, Field::MidName, name);
        let address = self.required(&mut raw, Field::Address, address::normalise);
        let apartment = self.required(&mut raw, Field::Apartment, apartment);
        let block_reason = self.optional(&mut raw, Field::BlockReason, block_reason);
        let zone = &self.limits.zone;
        let started_at = self.required(&mut raw, Field::StartedAt, |s| {
            WrittenDate::parse(s)?.start(zone)
        });
        let finished = self.optional(&mut raw, Field::FinishedAt, |s| {
            let written = WrittenDate::parse(s)?;
            Ok((written.end(zone)?, written.is_day()))
        });
        // A date-only end includes its day, so it ends before the start when its (exclusive)
        // end is not after the start; an exact end may equal the start.
        if let (Some(start), Some(Some((Some(end), is_day)))) = (started_at, finished)
            && (end < start || (is_day && end == start))
        {
            self.reject(
                self.path(Field::FinishedAt),
                Rejection::new(
                    ErrorCode::FinishedBeforeStarted,
                    "must not be before startedAt",
                ),
            );
        }
        if self.failed {
            return None;
        }
        Some(Record {
            external_id: external_id?,
            account_id: account_id?,
            product_codes: product_codes?,
            msisdn: msisdn?,
            email: email?,
            first_name: first_name?,
            last_name: last_name?,
            mid_name: mid_name?,
            address: address?,
            apartment: apartment?,
            started_at: started_at?,
            finished_at: finished?.and_then(|(end, _)| end),
            block_reason: block_reason?,
        })
    }

    fn product_codes(&mut self, raw: &mut RawRecord) -> Option<Vec<String>> {
        let field = Field::ProductCodes;
        let items = match raw.values.remove(&field) {
            None | Some(Json::Null) => {
                self.reject(
                    self.path(field),
                    Rejection::new(ErrorCode::Required, "is required: a list of product codes"),
                );
                return None;
            }
            Some(Json::List(items)) => items,
            Some(Json::Str(_)) => return self.list_wrong_type("a string"),
            Some(Json::Other(kind)) => return self.list_wrong_type(kind),
            Some(Json::Duplicate) => {
                self.failed = true;
                return None;
            }
        };
        if items.is_empty() {
            self.reject(
                self.path(field),
                Rejection::new(ErrorCode::Empty, "must list at least one product code"),
            );
            return None;
        }
        if items.len() > limits::PRODUCT_CODES {
            self.reject(
                self.path(field),
                Rejection::new(ErrorCode::TooLong, "must list at most 20 product codes"),
            );
            return None;
        }
        let mut codes: Vec<String> = Vec::with_capacity(items.len());
        let mut ok = true;
        for (j, item) in items.into_iter().enumerate() {
            let path = format!("{}.{j}", self.path(field));
            let rejection = match item {
                Json::Str(s) if !s.trim().is_empty() => match product_code(s.trim(), self.products)
                {
                    Ok(code) if codes.contains(&code) => Rejection::new(
                        ErrorCode::DuplicateProductCode,
                        "names the same product as an earlier code of this record",
                    ),
                    Ok(code) => {
                        codes.push(code);
                        continue;
                    }
                    Err(rejection) => rejection,
                },
                Json::Str(_) | Json::Null => {
                    Rejection::new(ErrorCode::Required, "must be a non-blank product code")
                }
                Json::List(_) | Json::Other(_) | Json::Duplicate => {
                    Rejection::new(ErrorCode::InvalidType, "must be a string")
                }
            };
            ok = false;
            self.reject(path, rejection);
        }
        ok.then_some(codes)
    }

    fn list_wrong_type(&mut self, kind: &'static str) -> Option<Vec<String>> {
        self.failed = true;
        self.problems.push(
            self.path(Field::ProductCodes),
            ErrorCode::InvalidType,
            format!("must be an array of product codes, not {kind}"),
        );
        None
    }
}

fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || c.is_control())
}

fn identifier(s: &str) -> Result<String, Rejection> {
    if text::char_count(s) > limits::ID {
        return Err(Rejection::new(
            ErrorCode::TooLong,
            "must be at most 64 characters",
        ));
    }
    if !text::is_printable(s) {
        return Err(Rejection::new(
            ErrorCode::InvalidType,
            "must be a string without control characters",
        ));
    }
    Ok(s.to_owned())
}

fn product_code(s: &str, products: &dyn ProductResolver) -> Result<String, Rejection> {
    if text::char_count(s) > limits::PRODUCT_CODE {
        return Err(Rejection::new(
            ErrorCode::TooLong,
            "must be at most 64 characters",
        ));
    }
    products.resolve(s).ok_or(Rejection::new(
        ErrorCode::UnknownProductCode,
        "is neither a product code of the operator's catalogue nor one of this partner's aliases",
    ))
}

/// Free text with a limit, on one line.
fn limited(s: &str, max: usize, detail: &'static str) -> Result<String, Rejection> {
    let text = text::collapse_whitespace(s);
    if text::char_count(&text) > max {
        return Err(Rejection::new(ErrorCode::TooLong, detail));
    }
    Ok(text)
}

fn name(s: &str) -> Result<String, Rejection> {
    limited(s, limits::NAME, "must be at most 100 characters")
}

fn apartment(s: &str) -> Result<String, Rejection> {
    limited(s, limits::APARTMENT, "must be at most 32 characters")
}

fn block_reason(s: &str) -> Result<String, Rejection> {
    limited(s, limits::BLOCK_REASON, "must be at most 500 characters")
}
