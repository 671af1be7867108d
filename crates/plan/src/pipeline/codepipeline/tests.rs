use super::*;
use crate::iam::tests::live;

fn spec() -> Spec {
    Spec::parse(
        "[app]\nname = \"shop\"\n[registry]\n[service]\n[pipeline]\nrepository = \"acme/shop\"\nawsdeploy_git = \"https://github.com/acme/awsdeploy\"\nawsdeploy_rev = \"4f2a9c1e7b3d5a8f0c6e2b9d1a7f3c5e8b0d4a6c\"\n",
        "t.toml",
        "dev",
    )
    .unwrap()
}

#[test]
fn projects_wait_for_their_roles_and_the_pipeline_for_everything() {
    let spec = spec();
    let mut out = ComponentPlan::default();
    plan(
        crate::COMPONENTS,
        (&spec, spec.pipeline.as_ref().unwrap()),
        "eu-west-1",
        &live(),
        &LiveCodePipeline::default(),
        &mut out,
    )
    .unwrap();
    let key_of = |kind: ResourceKind| -> Vec<Key> {
        out.changes
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.key.clone())
            .collect()
    };
    let roles = key_of(ResourceKind::Role);
    assert_eq!(roles.len(), 3);
    for project in out
        .changes
        .iter()
        .filter(|c| c.kind == ResourceKind::BuildProject)
    {
        for role in &roles {
            assert!(project.depends_on.contains(role), "{project:?}");
        }
    }
    let pipeline = out
        .changes
        .iter()
        .find(|c| c.kind == ResourceKind::CodePipeline)
        .unwrap();
    for key in key_of(ResourceKind::BuildProject)
        .into_iter()
        .chain(key_of(ResourceKind::SourceConnection))
        .chain(key_of(ResourceKind::ArtifactBucket))
    {
        assert!(pipeline.depends_on.contains(&key), "{key}");
    }
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("Update pending connection")),
        "{:?}",
        out.warnings
    );
    // The pipeline role's policy does not name the connection's id, so
    // it is the same once the connection exists.
    let policy = serde_json::to_string(&out.changes).unwrap();
    assert!(policy.contains("codestar-connections:FullRepositoryId"));
}

#[test]
fn a_project_changed_out_of_band_is_updated_in_place() {
    let spec = spec();
    let mut out = ComponentPlan::default();
    plan(
        crate::COMPONENTS,
        (&spec, spec.pipeline.as_ref().unwrap()),
        "eu-west-1",
        &live(),
        &LiveCodePipeline::default(),
        &mut out,
    )
    .unwrap();
    let Some(crate::Step::Pipeline(PipelineStep::CreateProject { name, settings })) = out
        .changes
        .iter()
        .find(|c| c.kind == ResourceKind::BuildProject)
        .and_then(|c| c.steps.first())
    else {
        panic!("no project");
    };
    let live_pipeline = LiveCodePipeline {
        projects: vec![LiveProject {
            name: name.clone(),
            owned: true,
            settings: ProjectSettings {
                privileged: false,
                ..settings.clone()
            },
        }],
        ..LiveCodePipeline::default()
    };
    let mut again = ComponentPlan::default();
    plan(
        crate::COMPONENTS,
        (&spec, spec.pipeline.as_ref().unwrap()),
        "eu-west-1",
        &live(),
        &live_pipeline,
        &mut again,
    )
    .unwrap();
    let change = again
        .changes
        .iter()
        .find(|c| c.kind == ResourceKind::BuildProject && c.name == *name)
        .unwrap();
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.fields.len(), 1, "{:?}", change.fields);
    assert!(matches!(
        change.steps[..],
        [crate::Step::Pipeline(PipelineStep::UpdateProject { .. })]
    ));
}
