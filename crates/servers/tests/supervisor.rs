//! The supervisor against the real Docker engine with the fixture MCP server: start with
//! progress, tools, calls (including a failing tool), refusing a second start, stopping, and
//! failed starts that leave no container behind.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use berth_catalog::CatalogItem;
use berth_runtime::{ContainerRuntime, DockerEngine};
use berth_servers::{
    LaunchPlan, LaunchRequest, LaunchTarget, RuntimeSource, ServerError, ServerKey, StartEvent, Supervisor,
};

fn item(name: &str, image: &str) -> CatalogItem {
    let yaml = format!(
        "registry:\n  {name}:\n    image: {image}\n    disableNetwork: true\n    secrets: [{{name: {name}.token, env: FIXTURE_TOKEN}}]\n"
    );
    berth_catalog::import_bytes(yaml.as_bytes(), None).unwrap().items.remove(0)
}

fn plan(item: &CatalogItem) -> LaunchPlan {
    let secrets = HashMap::from([(format!("{}.token", item.name), "tok-supervisor".to_owned())]);
    LaunchPlan::build(LaunchRequest::new(item, &serde_json::Value::Null).secrets(&secrets)).unwrap()
}

async fn managed_for(engine: &DockerEngine, server: &str) -> usize {
    engine.list_managed().await.unwrap().iter().filter(|c| c.server == server).count()
}

#[tokio::test(flavor = "multi_thread")]
async fn start_call_and_stop_a_server() {
    if !berth_testkit::require(
        "supervisor",
        berth_testkit::docker_available(),
        "needs a running Docker engine",
    ) {
        return;
    }
    let image = berth_testkit::fixture_image();
    let engine = DockerEngine::connect().await.unwrap();
    let supervisor = Supervisor::new(RuntimeSource::Given(Arc::new(engine.clone())));
    let name = format!("sup{}", std::process::id());
    let item = item(&name, &image);
    let key = ServerKey::installed(&name);

    let events: Arc<Mutex<Vec<StartEvent>>> = Arc::default();
    let sink = events.clone();
    supervisor.start(plan(&item), Arc::new(move |e| sink.lock().unwrap().push(e))).await.unwrap();
    let events = events.lock().unwrap().clone();
    assert_eq!(events.last(), Some(&StartEvent::Running));
    assert!(events.contains(&StartEvent::Initializing));

    let tools = supervisor.tools(&key).await.unwrap();
    assert_eq!(tools.len(), 4);
    let echo = tools.iter().find(|t| t.name == "echo").unwrap();
    assert_eq!(echo.input_schema["required"][0], "text");
    let out = supervisor
        .call(&key, "echo", serde_json::json!({"text": "via supervisor"}).as_object().unwrap().clone())
        .await
        .unwrap();
    assert_eq!((out.text.as_str(), out.is_error), ("via supervisor", false));
    let out = supervisor
        .call(&key, "env_present", serde_json::json!({"name": "FIXTURE_TOKEN"}).as_object().unwrap().clone())
        .await
        .unwrap();
    assert_eq!(out.text, "set (14 chars)");
    let failed = supervisor.call(&key, "fail", Default::default()).await.unwrap();
    assert!(failed.is_error, "a tool error is an outcome, not a transport failure");

    assert!(matches!(
        supervisor.start(plan(&item), Arc::new(|_| {})).await,
        Err(ServerError::AlreadyRunning(_))
    ));
    assert_eq!(managed_for(&engine, &name).await, 1);
    supervisor.stop(&key).await.unwrap();
    assert_eq!(managed_for(&engine, &name).await, 0);
    assert!(matches!(supervisor.stop(&key).await, Err(ServerError::NotRunning(_))));
    assert!(matches!(
        supervisor.call(&key, "echo", Default::default()).await,
        Err(ServerError::NotRunning(_))
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_starts_leave_no_container() {
    if !berth_testkit::require(
        "failed starts",
        berth_testkit::docker_available(),
        "needs a running Docker engine",
    ) {
        return;
    }
    let image = berth_testkit::fixture_image();
    let engine = DockerEngine::connect().await.unwrap();
    let supervisor = Supervisor::new(RuntimeSource::Given(Arc::new(engine.clone())));

    // An image that cannot be pulled.
    let name = format!("nopull{}", std::process::id());
    let missing = item(&name, "127.0.0.1:1/berth-test/missing:1");
    let e = supervisor.start(plan(&missing), Arc::new(|_| {})).await.unwrap_err();
    assert!(matches!(e, ServerError::Runtime(berth_runtime::RuntimeError::Pull { .. })), "{e}");
    assert_eq!(managed_for(&engine, &name).await, 0);

    // A container that starts but exits before the MCP handshake: the error carries its stderr.
    let name = format!("crash{}", std::process::id());
    let mut p = plan(&item(&name, &image));
    let LaunchTarget::Container(spec) = &mut p.target else { unreachable!("a container entry") };
    spec.command = vec!["--crash".into()];
    let e = supervisor.start(p, Arc::new(|_| {})).await.unwrap_err();
    match &e {
        ServerError::Handshake { stderr, .. } => {
            assert!(stderr.iter().any(|l| l.contains("crashing on purpose")), "{e}")
        }
        other => panic!("expected a handshake failure, got {other}"),
    }
    assert!(e.to_string().contains("crashing on purpose"));
    assert_eq!(managed_for(&engine, &name).await, 0);
    assert!(supervisor.running().await.is_empty());
}
