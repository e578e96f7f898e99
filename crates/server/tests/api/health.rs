//! Probes, the spec endpoint and Swagger UI, open without a key.

use crate::on_both_databases;

on_both_databases! {
    async fn probes_answer_without_a_key(app) {
        for path in ["/healthz", "/readyz"] {
            let response = app.http.get(app.url(path)).send().await.expect("request");
            assert_eq!(response.status(), 200, "{path}");
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["status"], "ok");
        }
        app.admin.ready().await.expect("ready through the client");
    }

    async fn the_served_spec_is_the_generated_one_and_swagger_ui_loads(app) {
        let mut served = app.served_spec().await;
        let mut generated: serde_json::Value =
            serde_json::from_str(&entitle_server::openapi_json()).expect("generated spec");
        // The committed spec names the default address; a server names its own public URL.
        assert_eq!(
            generated["servers"][0]["url"],
            entitle_server::routes::DEFAULT_SERVER_URL
        );
        assert!(
            served["servers"][0]["url"].is_string(),
            "{}",
            served["servers"]
        );
        served["servers"] = serde_json::Value::Null;
        generated["servers"] = serde_json::Value::Null;
        assert_eq!(served, generated);
        assert!(served["paths"]["/v1/accounts/{id}/quotes"]["post"].is_object());

        let docs = app.http.get(app.url("/docs")).send().await.expect("request");
        assert_eq!(docs.status(), 200);
        let page = docs.text().await.expect("text");
        assert!(page.contains("swagger"), "Swagger UI page: {page:.200}");
    }
}
