//! Declarative Web Push messages (W3C Push API, "declarative push message"; Safari 18.4+ on
//! iOS/iPadOS, 18.5 on macOS): a JSON payload `{"web_push":8030,"notification":{…}}` that a
//! supporting browser shows without waking a service worker (others deliver it to the service
//! worker as an ordinary push).
//!
//! One table of members and one checker serve both directions: [`payload`] builds a message
//! from what an application writes (camelCase or snake_case keys, emitted as the spec's
//! snake_case), [`inspect`] checks one that arrived at a push service (snake_case only).
//! Every rule lives here once; errors are [`Error::InvalidNotification`] naming the member.

use serde_json::Value;

use crate::error::{Error, Result};

/// The value of the `web_push` member: the RFC number, as an integer.
pub const WEB_PUSH: u64 = 8030;

/// Longest encoded message: what fits one aes128gcm push message record (3993 bytes).
pub const MAX_LEN: usize = crate::ece::aes128gcm::MAX_PLAINTEXT_LEN;

/// Where the JSON comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
  /// What an application passes to [`payload`]: camelCase aliases are accepted.
  Input,
  /// What a push service received: only the spec's snake_case names.
  Wire,
}

/// The rule a member's value must follow.
#[derive(Debug, Clone, Copy)]
enum Kind {
  /// A string that is not blank.
  NonEmptyText,
  /// Any string.
  Text,
  /// An absolute `http:`/`https:` URL (a page to open).
  PageUrl,
  /// An absolute URL (an image; `data:` allowed).
  Url,
  /// `auto`, `ltr` or `rtl`.
  Dir,
  /// An array of integers 0..=4294967295 (milliseconds).
  Vibrate,
  /// A non-negative integer: milliseconds since the epoch.
  Millis,
  /// A non-negative integer: a badge count.
  Unsigned,
  /// `true` or `false`.
  Bool,
  /// Any JSON value.
  Json,
  /// An array of action objects.
  Actions,
  /// The integer 8030.
  WebPush,
  /// The notification object.
  Notification,
}

/// One member of a JSON object of the message.
struct Member {
  /// The spec's (snake_case) name: what is emitted.
  name: &'static str,
  /// The camelCase spelling accepted in [`Source::Input`].
  camel: Option<&'static str>,
  kind: Kind,
  required: bool,
}

const fn member(name: &'static str, kind: Kind) -> Member {
  Member {
    name,
    camel: None,
    kind,
    required: false,
  }
}

const fn required(name: &'static str, kind: Kind) -> Member {
  Member {
    name,
    camel: None,
    kind,
    required: true,
  }
}

/// The members of `notification`, in the order they are emitted.
const NOTIFICATION: &[Member] = &[
  required("title", Kind::NonEmptyText),
  member("dir", Kind::Dir),
  member("lang", Kind::Text),
  member("body", Kind::Text),
  required("navigate", Kind::PageUrl),
  member("tag", Kind::Text),
  member("image", Kind::Url),
  member("icon", Kind::Url),
  member("badge", Kind::Url),
  member("vibrate", Kind::Vibrate),
  member("timestamp", Kind::Millis),
  member("renotify", Kind::Bool),
  member("silent", Kind::Bool),
  Member {
    name: "require_interaction",
    camel: Some("requireInteraction"),
    kind: Kind::Bool,
    required: false,
  },
  member("data", Kind::Json),
  member("actions", Kind::Actions),
];

/// The members of one `notification.actions` item.
const ACTION: &[Member] = &[
  required("action", Kind::NonEmptyText),
  required("title", Kind::NonEmptyText),
  required("navigate", Kind::PageUrl),
  member("icon", Kind::Url),
];

const APP_BADGE: Member = Member {
  name: "app_badge",
  camel: Some("appBadge"),
  kind: Kind::Unsigned,
  required: false,
};

/// The top-level members of a message.
const MESSAGE: &[Member] = &[
  required("web_push", Kind::WebPush),
  required("notification", Kind::Notification),
  APP_BADGE,
  member("mutable", Kind::Bool),
];

/// The options of [`payload`]: the top-level members an application chooses.
const OPTIONS: &[Member] = &[APP_BADGE, member("mutable", Kind::Bool)];

fn invalid(field: &str, rule: impl Into<String>) -> Error {
  Error::InvalidNotification {
    field: field.to_owned(),
    rule: rule.into(),
  }
}

/// What a value is, for an error message (strings are never echoed).
fn describe(value: &Value) -> String {
  match value {
    Value::Null => "null".into(),
    Value::Bool(b) => format!("boolean {b}"),
    Value::Number(n) => format!("number {n}"),
    Value::String(s) => format!("a string ({} characters)", s.chars().count()),
    Value::Array(_) => "an array".into(),
    Value::Object(_) => "an object".into(),
  }
}

fn path(parent: &str, name: &str) -> String {
  if parent.is_empty() {
    name.to_owned()
  } else {
    format!("{parent}.{name}")
  }
}

/// Encodes a JSON value (serde_json cannot fail on a `Value`).
fn json(value: &Value) -> String {
  serde_json::to_string(value).unwrap_or_default()
}

/// Encodes members (name, encoded value) as a JSON object, in the given order.
fn encode(members: &[(&'static str, String)]) -> String {
  let body: Vec<String> = members
    .iter()
    .map(|(name, value)| format!("\"{name}\":{value}"))
    .collect();
  format!("{{{}}}", body.join(","))
}

fn names(members: &[Member]) -> String {
  members.iter().map(|m| m.name).collect::<Vec<_>>().join(", ")
}

/// Why `key` is not a member of the object at `parent`, as helpfully as possible.
fn unknown(parent: &str, key: &str, members: &[Member], source: Source) -> Error {
  let field = path(parent, key);
  if parent == "notification" && (key == "app_badge" || key == "appBadge") {
    return invalid(
      &field,
      "is not a notification member: app_badge is a top-level member of the message (a non-negative integer), \
       never inside notification (early examples put it there; WebKit moved it to match the spec); \
       pass it as the appBadge option",
    );
  }
  if let Some(m) = members.iter().find(|m| m.camel == Some(key)) {
    if source == Source::Wire {
      return invalid(
        &field,
        format!(
          "is not a member of a declarative push message; the spec's name is {}",
          m.name
        ),
      );
    }
  }
  let what = match parent {
    "" => "a declarative push message",
    "options" => "the declarativePayload options",
    "notification" => "a declarative notification",
    _ => "a notification action",
  };
  invalid(
    &field,
    format!("is not a member of {what} (allowed: {})", names(members)),
  )
}

/// Checks the object `value` at `parent` against `members`; returns its members encoded, in
/// table order.
fn check_object(
  value: &Value,
  parent: &str,
  members: &[Member],
  source: Source,
) -> Result<Vec<(&'static str, String)>> {
  let Value::Object(object) = value else {
    let field = if parent.is_empty() { "message" } else { parent };
    return Err(invalid(
      field,
      format!("must be an object, got {}", describe(value)),
    ));
  };
  for key in object.keys() {
    let known = members
      .iter()
      .any(|m| m.name == key || (source == Source::Input && m.camel.is_some_and(|c| c == key)));
    if !known {
      return Err(unknown(parent, key, members, source));
    }
  }
  let mut out = Vec::new();
  for m in members {
    let snake = object.get(m.name);
    let camel = m.camel.and_then(|c| object.get(c));
    let field = path(parent, m.name);
    let value = match (snake, camel) {
      (Some(_), Some(_)) => {
        return Err(invalid(
          &field,
          format!(
            "is given twice (as {} and {}); use one",
            m.name,
            m.camel.unwrap_or_default()
          ),
        ))
      }
      (Some(v), None) => (v, field),
      // Errors name the key as the caller wrote it.
      (None, Some(v)) => (v, path(parent, m.camel.unwrap_or(m.name))),
      (None, None) if m.required => return Err(invalid(&field, "is required")),
      (None, None) => continue,
    };
    let (value, field) = value;
    out.push((m.name, check_value(value, &field, m.kind, source)?));
  }
  Ok(out)
}

/// Checks one value against its rule; returns it encoded.
fn check_value(value: &Value, field: &str, kind: Kind, source: Source) -> Result<String> {
  let fail = |rule: &str| Err(invalid(field, format!("{rule}, got {}", describe(value))));
  match kind {
    Kind::NonEmptyText => match value {
      Value::String(s) if !s.trim().is_empty() => Ok(json(value)),
      _ => fail("must be a non-empty string"),
    },
    Kind::Text => match value {
      Value::String(_) => Ok(json(value)),
      _ => fail("must be a string"),
    },
    Kind::Dir => match value.as_str() {
      Some("auto" | "ltr" | "rtl") => Ok(json(value)),
      _ => fail("must be \"auto\", \"ltr\" or \"rtl\""),
    },
    Kind::PageUrl | Kind::Url => {
      let Some(text) = value.as_str() else {
        return fail("must be an absolute URL string");
      };
      match url::Url::parse(text) {
        Ok(url) if matches!(kind, Kind::Url) || matches!(url.scheme(), "http" | "https") => Ok(json(value)),
        Ok(_) => Err(invalid(
          field,
          "must be an http: or https: URL (the page opened on a click)",
        )),
        Err(e) => Err(invalid(
          field,
          format!("must be an absolute URL such as https://example.com/page ({e})"),
        )),
      }
    }
    Kind::Vibrate => match value {
      Value::Array(items)
        if items
          .iter()
          .all(|v| v.as_u64().is_some_and(|n| n <= u64::from(u32::MAX))) =>
      {
        Ok(json(value))
      }
      _ => fail("must be an array of non-negative integers (milliseconds, at most 4294967295)"),
    },
    Kind::Millis => match value.as_u64() {
      Some(_) => Ok(json(value)),
      None => fail("must be a non-negative integer (milliseconds since the epoch, e.g. Date.now())"),
    },
    Kind::Unsigned => match value.as_u64() {
      Some(_) => Ok(json(value)),
      None => fail("must be a non-negative integer (never a string)"),
    },
    Kind::Bool => match value {
      Value::Bool(_) => Ok(json(value)),
      _ => fail("must be a boolean"),
    },
    Kind::Json => Ok(json(value)),
    Kind::Actions => {
      let Value::Array(items) = value else {
        return fail("must be an array of { action, title, navigate, icon? }");
      };
      let encoded = items
        .iter()
        .enumerate()
        .map(|(i, item)| check_object(item, &format!("{field}[{i}]"), ACTION, source).map(|m| encode(&m)))
        .collect::<Result<Vec<_>>>()?;
      Ok(format!("[{}]", encoded.join(",")))
    }
    Kind::WebPush => match value.as_u64() {
      Some(WEB_PUSH) => Ok(WEB_PUSH.to_string()),
      _ => fail("must be the integer 8030"),
    },
    Kind::Notification => {
      let members = check_object(value, field, NOTIFICATION, source)?;
      check_combinations(value, field)?;
      Ok(encode(&members))
    }
  }
}

/// Rules between members of a notification (its members are already checked): the ones the
/// Notifications standard enforces with a TypeError when the notification is created, so a
/// browser would drop the message.
fn check_combinations(notification: &Value, parent: &str) -> Result<()> {
  let is_true = |name: &str| notification.get(name) == Some(&Value::Bool(true));
  let tag_empty = notification
    .get("tag")
    .and_then(Value::as_str)
    .is_none_or(str::is_empty);
  if is_true("renotify") && tag_empty {
    return Err(invalid(
      &path(parent, "renotify"),
      "needs a non-empty tag (the Notifications standard throws a TypeError for renotify without one)",
    ));
  }
  if is_true("silent") && notification.get("vibrate").is_some() {
    return Err(invalid(
      &path(parent, "vibrate"),
      "cannot be combined with silent: true (the Notifications standard throws a TypeError)",
    ));
  }
  Ok(())
}

/// Builds the declarative push message for `notification` (a JSON object; camelCase or
/// snake_case keys) with `options` (`{ appBadge?, mutable? }`, a JSON object): the JSON text
/// `{"web_push":8030,"notification":{…},"app_badge"?:n,"mutable"?:b}`, members in spec order.
///
/// Fails with [`Error::InvalidNotification`] naming the member and the rule, or
/// [`Error::PayloadTooLarge`] when it does not fit one push message ([`MAX_LEN`] bytes).
pub fn payload(notification: &Value, options: &Value) -> Result<String> {
  let notification = check_value(notification, "notification", Kind::Notification, Source::Input)?;
  let mut members = vec![("web_push", WEB_PUSH.to_string()), ("notification", notification)];
  members.extend(check_object(options, "options", OPTIONS, Source::Input)?);
  let text = encode(&members);
  if text.len() > MAX_LEN {
    return Err(Error::PayloadTooLarge {
      len: text.len(),
      max: MAX_LEN,
    });
  }
  Ok(text)
}

/// Checks a received push message payload: `None` when it is not meant as a declarative
/// message (not a JSON object with a `web_push` member); otherwise the message normalized
/// (JSON text, members in spec order) or why it is not a valid declarative push message.
pub fn inspect(payload: &[u8]) -> Option<Result<String>> {
  let value: Value = serde_json::from_slice(payload).ok()?;
  if !value.as_object()?.contains_key("web_push") {
    return None;
  }
  Some(check_object(&value, "", MESSAGE, Source::Wire).map(|m| encode(&m)))
}

#[cfg(test)]
mod tests {
  use super::*;
  use serde_json::json;

  fn build(notification: Value) -> Result<String> {
    payload(&notification, &json!({}))
  }

  fn minimal() -> Value {
    json!({ "title": "Hi", "navigate": "https://example.com/inbox" })
  }

  fn with(key: &str, value: Value) -> Value {
    let mut n = minimal();
    n.as_object_mut().unwrap().insert(key.into(), value);
    n
  }

  /// The error's field and its message, asserting the code.
  fn err(result: Result<String>) -> (String, String) {
    match result.unwrap_err() {
      e @ Error::InvalidNotification { .. } => {
        assert_eq!(e.code(), "ERR_INVALID_NOTIFICATION");
        let Error::InvalidNotification { field, .. } = &e else {
          unreachable!()
        };
        (field.clone(), e.to_string())
      }
      other => panic!("unexpected {other:?}"),
    }
  }

  #[test]
  fn minimal_message_is_exact_json() {
    assert_eq!(
      build(minimal()).unwrap(),
      r#"{"web_push":8030,"notification":{"title":"Hi","navigate":"https://example.com/inbox"}}"#
    );
  }

  #[test]
  fn every_member_camel_case_in_snake_case_out_in_spec_order() {
    let n = json!({
      "actions": [{ "icon": "https://example.com/a.png", "navigate": "https://example.com/a", "title": "Open", "action": "open" }],
      "data": { "id": 7, "nested": [1, "x", null] },
      "requireInteraction": true,
      "silent": false,
      "renotify": true,
      "timestamp": 1_700_000_000_000u64,
      "vibrate": [100, 0, 200],
      "badge": "https://example.com/b.png",
      "icon": "data:image/png;base64,iVBORw0KGgo=",
      "image": "https://example.com/i.png",
      "tag": "t",
      "navigate": "https://example.com/n",
      "body": "",
      "lang": "en-GB",
      "dir": "rtl",
      "title": "Title",
    });
    let out = payload(&n, &json!({ "appBadge": 3, "mutable": true })).unwrap();
    assert_eq!(
      out,
      concat!(
        r#"{"web_push":8030,"notification":{"title":"Title","dir":"rtl","lang":"en-GB","body":"","#,
        r#""navigate":"https://example.com/n","tag":"t","image":"https://example.com/i.png","#,
        r#""icon":"data:image/png;base64,iVBORw0KGgo=","badge":"https://example.com/b.png","#,
        r#""vibrate":[100,0,200],"timestamp":1700000000000,"renotify":true,"silent":false,"#,
        r#""require_interaction":true,"data":{"id":7,"nested":[1,"x",null]},"#,
        r#""actions":[{"action":"open","title":"Open","navigate":"https://example.com/a","icon":"https://example.com/a.png"}]},"#,
        r#""app_badge":3,"mutable":true}"#
      )
    );
    // What we build is what the push service side accepts, unchanged.
    assert_eq!(inspect(out.as_bytes()).unwrap().unwrap(), out);
    // snake_case input is accepted too, with the same result.
    let snake = json!({ "title": "T", "navigate": "https://e.com/", "require_interaction": false });
    assert!(payload(&snake, &json!({ "app_badge": 0, "mutable": false }))
      .unwrap()
      .ends_with(r#""require_interaction":false},"app_badge":0,"mutable":false}"#));
  }

  #[test]
  fn title_rules() {
    let (field, msg) = err(build(json!({ "navigate": "https://e.com/" })));
    assert_eq!(field, "notification.title");
    assert!(msg.contains("is required"), "{msg}");
    for bad in [json!(""), json!("   "), json!(1), json!(null), json!(["t"])] {
      let (field, msg) = err(build(with("title", bad)));
      assert_eq!(field, "notification.title");
      assert!(msg.contains("non-empty string"), "{msg}");
    }
  }

  #[test]
  fn navigate_rules() {
    let (field, msg) = err(build(json!({ "title": "t" })));
    assert_eq!(
      (field.as_str(), msg.contains("required")),
      ("notification.navigate", true)
    );
    for bad in [json!("/relative"), json!("example.com"), json!(""), json!(5)] {
      let (field, msg) = err(build(with("navigate", bad)));
      assert_eq!(field, "notification.navigate");
      assert!(msg.contains("absolute URL"), "{msg}");
    }
    let (_, msg) = err(build(with("navigate", json!("javascript:alert(1)"))));
    assert!(msg.contains("http: or https:"), "{msg}");
    assert!(build(with("navigate", json!("http://localhost:3000/x?y#z"))).is_ok());
  }

  #[test]
  fn dir_rules() {
    for good in ["auto", "ltr", "rtl"] {
      assert!(build(with("dir", json!(good))).is_ok());
    }
    for bad in [json!("LTR"), json!("up"), json!(true)] {
      let (field, msg) = err(build(with("dir", bad)));
      assert_eq!(field, "notification.dir");
      assert!(msg.contains("\"auto\", \"ltr\" or \"rtl\""), "{msg}");
    }
  }

  #[test]
  fn text_rules() {
    for key in ["lang", "body", "tag"] {
      assert!(build(with(key, json!(""))).is_ok());
      let (field, msg) = err(build(with(key, json!(7))));
      assert_eq!(field, format!("notification.{key}"));
      assert!(msg.contains("must be a string, got number 7"), "{msg}");
    }
  }

  #[test]
  fn image_urls() {
    for key in ["image", "icon", "badge"] {
      assert!(build(with(key, json!("https://cdn.example.com/x.png"))).is_ok());
      for bad in [json!("x.png"), json!(1), json!({})] {
        let (field, msg) = err(build(with(key, bad)));
        assert_eq!(field, format!("notification.{key}"));
        assert!(msg.contains("absolute URL"), "{msg}");
      }
    }
  }

  #[test]
  fn vibrate_rules() {
    assert!(build(with("vibrate", json!([]))).is_ok());
    assert!(build(with("vibrate", json!([0, 4_294_967_295u64]))).is_ok());
    for bad in [
      json!([-1]),
      json!([1.5]),
      json!(["100"]),
      json!(100),
      json!([4_294_967_296u64]),
    ] {
      let (field, msg) = err(build(with("vibrate", bad)));
      assert_eq!(field, "notification.vibrate");
      assert!(msg.contains("non-negative integers"), "{msg}");
    }
  }

  #[test]
  fn timestamp_rules() {
    assert!(build(with("timestamp", json!(0))).is_ok());
    for bad in [json!(-1), json!(1.5), json!("1700000000000"), json!(null)] {
      let (field, msg) = err(build(with("timestamp", bad)));
      assert_eq!(field, "notification.timestamp");
      assert!(msg.contains("milliseconds since the epoch"), "{msg}");
    }
  }

  #[test]
  fn boolean_rules() {
    for key in ["renotify", "silent", "require_interaction", "requireInteraction"] {
      assert!(build(with_value(with(key, json!(true)), "tag", json!("t"))).is_ok());
      let (field, msg) = err(build(with(key, json!("true"))));
      assert_eq!(field, format!("notification.{key}"), "named as written");
      assert!(msg.contains("must be a boolean"), "{msg}");
    }
    let n = with("requireInteraction", json!(true));
    let (field, msg) = err(build(with_value(n, "require_interaction", json!(true))));
    assert_eq!(field, "notification.require_interaction");
    assert!(msg.contains("given twice"), "{msg}");
  }

  fn with_value(mut n: Value, key: &str, value: Value) -> Value {
    n.as_object_mut().unwrap().insert(key.into(), value);
    n
  }

  #[test]
  fn member_combinations_the_notifications_standard_refuses() {
    let (field, msg) = err(build(with("renotify", json!(true))));
    assert_eq!(field, "notification.renotify");
    assert!(msg.contains("non-empty tag"), "{msg}");
    let (field, _) = err(build(with_value(with("renotify", json!(true)), "tag", json!(""))));
    assert_eq!(field, "notification.renotify");
    assert!(build(with_value(with("renotify", json!(true)), "tag", json!("t"))).is_ok());
    assert!(build(with("renotify", json!(false))).is_ok());
    let (field, msg) = err(build(with_value(
      with("silent", json!(true)),
      "vibrate",
      json!([100]),
    )));
    assert_eq!(field, "notification.vibrate");
    assert!(msg.contains("silent: true"), "{msg}");
    assert!(build(with_value(with("silent", json!(false)), "vibrate", json!([100]))).is_ok());
    // The same rules on the wire.
    let wire =
      br#"{"web_push":8030,"notification":{"title":"t","navigate":"https://e.com/","renotify":true}}"#;
    assert_eq!(err(inspect(wire).unwrap()).0, "notification.renotify");
  }

  #[test]
  fn data_is_any_json() {
    for data in [
      json!(null),
      json!(1),
      json!("s"),
      json!([1, { "a": [] }]),
      json!({ "deep": { "x": true } }),
    ] {
      let out = build(with("data", data.clone())).unwrap();
      let parsed: Value = serde_json::from_str(&out).unwrap();
      assert_eq!(parsed["notification"]["data"], data);
    }
  }

  #[test]
  fn action_rules() {
    let action = json!({ "action": "a", "title": "A", "navigate": "https://e.com/a" });
    assert!(build(with("actions", json!([action.clone(), action.clone()]))).is_ok());
    assert!(build(with("actions", json!([]))).is_ok());
    let (field, msg) = err(build(with("actions", json!({}))));
    assert_eq!(field, "notification.actions");
    assert!(msg.contains("array"), "{msg}");
    for (missing, rule) in [
      ("action", "is required"),
      ("title", "is required"),
      ("navigate", "is required"),
    ] {
      let mut a = action.clone();
      a.as_object_mut().unwrap().remove(missing);
      let (field, msg) = err(build(with("actions", json!([action.clone(), a]))));
      assert_eq!(field, format!("notification.actions[1].{missing}"));
      assert!(msg.contains(rule), "{msg}");
    }
    let (field, msg) = err(build(with(
      "actions",
      json!([with_value(action.clone(), "icon", json!("rel.png"))]),
    )));
    assert_eq!(field, "notification.actions[0].icon");
    assert!(msg.contains("absolute URL"), "{msg}");
    let (field, msg) = err(build(with(
      "actions",
      json!([with_value(action.clone(), "extra", json!(1))]),
    )));
    assert_eq!(field, "notification.actions[0].extra");
    assert!(msg.contains("notification action"), "{msg}");
    let (field, _) = err(build(with("actions", json!(["open"]))));
    assert_eq!(field, "notification.actions[0]");
  }

  #[test]
  fn unknown_keys_are_errors() {
    let (field, msg) = err(build(with("url", json!("https://e.com/"))));
    assert_eq!(field, "notification.url");
    assert!(
      msg.contains("is not a member") && msg.contains("navigate"),
      "{msg}"
    );
    let (field, msg) = err(payload(&minimal(), &json!({ "ttl": 5 })));
    assert_eq!(field, "options.ttl");
    assert!(msg.contains("declarativePayload options"), "{msg}");
  }

  #[test]
  fn app_badge_only_at_the_top_level_and_never_a_string() {
    for key in ["app_badge", "appBadge"] {
      let (field, msg) = err(build(with(key, json!("1"))));
      assert_eq!(field, format!("notification.{key}"));
      assert!(msg.contains("top-level"), "{msg}");
    }
    for bad in [json!("1"), json!(-1), json!(1.5), json!(true)] {
      let (field, msg) = err(payload(&minimal(), &json!({ "appBadge": bad.clone() })));
      assert_eq!(field, "options.appBadge");
      assert!(msg.contains("non-negative integer"), "{msg}");
      let (field, msg) = err(payload(&minimal(), &json!({ "app_badge": bad })));
      assert_eq!(field, "options.app_badge");
      assert!(msg.contains("non-negative integer"), "{msg}");
    }
    let (field, msg) = err(payload(&minimal(), &json!({ "mutable": 1 })));
    assert_eq!(
      (field.as_str(), msg.contains("boolean")),
      ("options.mutable", true)
    );
    assert!(payload(&minimal(), &json!({ "appBadge": 0 }))
      .unwrap()
      .ends_with(r#","app_badge":0}"#));
  }

  #[test]
  fn not_objects() {
    let (field, _) = err(payload(&json!([1]), &json!({})));
    assert_eq!(field, "notification");
    let (field, _) = err(payload(&minimal(), &json!(3)));
    assert_eq!(field, "options");
  }

  #[test]
  fn too_large_for_one_push_message() {
    // Overhead of the minimal message around the body.
    let overhead = build(with("body", json!(""))).unwrap().len();
    let fits = "x".repeat(MAX_LEN - overhead);
    assert_eq!(build(with("body", json!(fits))).unwrap().len(), MAX_LEN);
    let over = "x".repeat(MAX_LEN - overhead + 1);
    assert_eq!(
      build(with("body", json!(over))).unwrap_err(),
      Error::PayloadTooLarge {
        len: MAX_LEN + 1,
        max: 3993
      }
    );
  }

  #[test]
  fn inspect_ignores_ordinary_pushes() {
    for payload in [
      &b""[..],
      b"hello",
      b"[1]",
      b"{\"title\":\"x\"}",
      b"\xff\xfe",
      b"{\"notification\":{}}",
    ] {
      assert!(inspect(payload).is_none());
    }
  }

  #[test]
  fn inspect_checks_wire_messages() {
    let ok = br#"{"mutable":false,"notification":{"navigate":"https://e.com/","title":"t"},"app_badge":2,"web_push":8030}"#;
    assert_eq!(
      inspect(ok).unwrap().unwrap(),
      r#"{"web_push":8030,"notification":{"title":"t","navigate":"https://e.com/"},"app_badge":2,"mutable":false}"#
    );
    let cases: [(&[u8], &str, &str); 7] = [
      (br#"{"web_push":"8030","notification":{"title":"t","navigate":"https://e.com/"}}"#, "web_push", "integer 8030"),
      (br#"{"web_push":8031,"notification":{"title":"t","navigate":"https://e.com/"}}"#, "web_push", "integer 8030"),
      (br#"{"web_push":8030}"#, "notification", "is required"),
      (br#"{"web_push":8030,"notification":{"title":"t","navigate":"https://e.com/","app_badge":"1"}}"#, "notification.app_badge", "top-level"),
      (br#"{"web_push":8030,"notification":{"title":"t","navigate":"https://e.com/","requireInteraction":true}}"#, "notification.requireInteraction", "require_interaction"),
      (br#"{"web_push":8030,"appBadge":1,"notification":{"title":"t","navigate":"https://e.com/"}}"#, "appBadge", "app_badge"),
      (br#"{"web_push":8030,"extra":1,"notification":{"title":"t","navigate":"https://e.com/"}}"#, "extra", "declarative push message"),
    ];
    for (payload, want_field, want_rule) in cases {
      let (field, msg) = err(inspect(payload).unwrap());
      assert_eq!(field, want_field);
      assert!(msg.contains(want_rule), "{msg}");
    }
  }
}
