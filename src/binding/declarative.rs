//! `declarativePayload`: builds a Declarative Web Push message (see `crate::declarative`).

use napi_derive::napi;

use super::Fallible;
use crate::error::Error;

/// Parses the JSON text `lib/declarative.js` made of a JS argument.
fn parse(json: &str, field: &str) -> Result<serde_json::Value, Error> {
  serde_json::from_str(json).map_err(|e| Error::InvalidNotification {
    field: field.to_owned(),
    rule: format!("must be a JSON-serialisable object ({e})"),
  })
}

/// Builds `{"web_push":8030,"notification":{…},"app_badge"?,"mutable"?}` from the JSON text of
/// a notification and of the options; validated, at most 3993 bytes.
#[napi(js_name = "declarativePayload", ts_return_type = "string")]
pub fn declarative_payload(notification_json: String, options_json: String) -> Fallible<String> {
  let payload = || {
    let notification = parse(&notification_json, "notification")?;
    let options = parse(&options_json, "options")?;
    crate::declarative::payload(&notification, &options)
  };
  payload().into()
}
