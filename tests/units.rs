//! Units: the tree, its integrity rules, paging and isolation.

#[macro_use]
mod common;

use common::TestApp;
use serde_json::json;

async fn create_get_and_list_units(app: TestApp) {
    let admin = app.admin();
    let board = app
        .post(
            "/api/v1/units",
            &admin,
            json!({"kind": "board", "name": "Omsorgsnämnden", "short_code": "ON"}),
        )
        .await;
    let body = board.expect(201);
    assert_eq!(body["kind"], "board");
    assert_eq!(board.header("etag").as_deref(), Some("\"1\""));
    let location = board.header("location").expect("a Location header");
    let got = app.get(&location, &admin).await.expect(200);
    assert_eq!(got["name"], "Omsorgsnämnden");
    let listed = app
        .get("/api/v1/units?kind=board", &admin)
        .await
        .expect(200);
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
}

backend_tests!(create_get_and_list_units);
