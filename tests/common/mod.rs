//! What the integration tests share.

use web_push_rs::request::PushRequest;
use web_push_rs::send::HttpClient;

/// `n` POSTs of 1 KiB to `{origin}/push/{i}` at once; every one must be answered 201.
pub async fn send_at_once(client: &HttpClient, origin: &str, n: usize) {
  let requests: Vec<PushRequest> = (0..n)
    .map(|i| PushRequest {
      endpoint: format!("{origin}/push/{i}").parse().unwrap(),
      headers: vec![("ttl".into(), "60".into())],
      body: Some(vec![7; 1024].into()),
    })
    .collect();
  let answers = futures_util::future::join_all(requests.iter().map(|r| client.send(r, None))).await;
  for answer in answers {
    assert_eq!(answer.unwrap().status, 201);
  }
}
