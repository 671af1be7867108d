use super::*;
use crate::COMPONENTS;
use crate::ComponentId;

#[test]
fn globs_match_as_iam_does() {
    assert!(glob_matches("*", "arn:aws:logs:r:1:log-group:/a"));
    assert!(glob_matches(
        "arn:aws:logs:r:*:log-group:/awsdeploy/shop/dev:*",
        "arn:aws:logs:r:1:log-group:/awsdeploy/shop/dev:log-stream:x"
    ));
    assert!(!glob_matches(
        "arn:aws:logs:r:*:log-group:/awsdeploy/shop/dev:*",
        "arn:aws:logs:r:1:log-group:/awsdeploy/shop/dev/pipeline"
    ));
    assert!(glob_matches("a?c", "abc"));
    assert!(!glob_matches("a?c", "ac"));
    assert!(glob_matches("a*", "a"));
    assert!(!glob_matches("", "a"));
}

#[test]
fn each_component_is_its_own_id() {
    let ids: Vec<ComponentId> = COMPONENTS.iter().map(|c| c.id()).collect();
    assert_eq!(ids, ComponentId::ALL);
    for id in ComponentId::ALL {
        assert_eq!(id.component().id(), *id);
    }
}

/// Every spec of `config/`, in each of its environments.
fn example_specs() -> Vec<Spec> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
    let mut specs = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for env in ["dev", "staging", "prod"] {
            if env != "dev" && !text.contains(&format!("[env.{env}]")) {
                continue;
            }
            let spec = Spec::parse(&text, &path.display().to_string(), env)
                .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            specs.push(spec);
        }
    }
    assert!(specs.len() >= 4, "{specs:?}");
    specs
}

/// The guard against a statement list kept apart from what a component
/// makes: every ARN a component's resources have (the pipeline's log group
/// among them) is covered by one of its own statements, for every example
/// spec, with and without the image push.
#[test]
fn each_components_statements_cover_every_arn_it_names() {
    for spec in example_specs() {
        for push in [false, true] {
            let cx = crate::permissions::context(&spec, push);
            for component in COMPONENTS {
                let statements = component.policy(&cx);
                for arn in component.arns(&cx) {
                    assert!(
                        statements.iter().any(|s| s.covers(&arn)),
                        "{}: no statement of its own covers {arn} ({}/{})",
                        component.id().as_str(),
                        spec.app.name,
                        spec.env
                    );
                }
            }
        }
    }
}

#[test]
fn the_pipeline_log_group_is_in_the_printed_policy() {
    let spec = Spec::parse(
        "[app]\nname = \"shop\"\nregion = \"eu-west-1\"\n",
        "t.toml",
        "dev",
    )
    .unwrap();
    let policy = crate::permissions::policy(COMPONENTS, &spec, false).to_string();
    assert!(
        policy.contains("arn:aws:logs:eu-west-1:*:log-group:/awsdeploy/shop/dev/pipeline"),
        "{policy}"
    );
}

#[test]
fn down_looks_up_what_a_removed_section_made() {
    let spec = Spec::parse("[app]\nname = \"shop\"\n", "t.toml", "dev").unwrap();
    let up = crate::lookups_for(&spec, Purpose::Up);
    let down = crate::lookups_for(&spec, Purpose::Down);
    assert!(!up.github_role && up.codepipeline.is_none() && !up.service);
    assert!(down.github_role, "GitHub's role after [pipeline] is gone");
    assert_eq!(
        down.codepipeline.as_deref(),
        Some(""),
        "any Git host's connection"
    );
    assert!(down.service);
    assert_eq!(down.repository.as_deref(), Some("shop/dev/api"));
}

#[test]
fn every_statement_id_is_unique() {
    let spec = Spec::parse("[app]\nname = \"shop\"\n", "t.toml", "dev").unwrap();
    let cx = crate::permissions::context(&spec, true);
    let mut sids: Vec<&str> = crate::permissions::statements(COMPONENTS, &cx)
        .iter()
        .map(|s| s.sid)
        .collect();
    let all = sids.len();
    sids.sort_unstable();
    sids.dedup();
    assert_eq!(sids.len(), all, "{sids:?}");
}

/// No deploy policy can widen itself: no IAM write it allows names a role
/// that holds it (GitHub's deploy role, the pipeline's deploy project's) or
/// the permissions boundary; every write on a role requires the boundary;
/// a managed policy is attached only when the spec names it.
#[test]
fn no_deploy_policy_allows_an_iam_write_on_its_own_role_or_the_boundary() {
    for spec in example_specs() {
        for push in [false, true] {
            let policy = crate::permissions::policy(COMPONENTS, &spec, push);
            let (app, env) = (spec.app.name.as_str(), spec.env.as_str());
            let partition = spec
                .app
                .region
                .as_deref()
                .map_or("aws", crate::permissions::partition_of);
            let protected: Vec<String> = crate::iam::deploy_roles(app, env)
                .iter()
                .map(|name| format!("arn:{partition}:iam::123456789012:role/{name}"))
                .chain([crate::iam::boundary::arn(
                    partition,
                    "123456789012",
                    app,
                    env,
                )])
                .collect();
            for statement in policy["Statement"].as_array().unwrap() {
                let actions: Vec<&str> = statement["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(serde_json::Value::as_str)
                    .collect();
                let writes: Vec<&&str> = actions
                    .iter()
                    .filter(|a| {
                        a.strip_prefix("iam:").is_some_and(|name| {
                            !name.starts_with("Get")
                                && !name.starts_with("List")
                                && name != "PassRole"
                        })
                    })
                    .collect();
                if writes.is_empty() {
                    continue;
                }
                for pattern in statement["Resource"].as_array().unwrap() {
                    let pattern = pattern.as_str().unwrap();
                    for arn in &protected {
                        assert!(
                            !glob_matches(pattern, arn),
                            "{}: {writes:?} on {pattern} reaches {arn}",
                            spec.env
                        );
                    }
                }
                let condition = statement["Condition"].to_string();
                // Service-linked roles take no boundary (AWS's own
                // policies, under their own path).
                if writes.iter().any(|a| {
                    a.contains("Role")
                        && !matches!(**a, "iam:TagRole" | "iam:CreateServiceLinkedRole")
                }) {
                    assert!(
                        condition.contains("iam:PermissionsBoundary"),
                        "a role write without the boundary: {statement}"
                    );
                }
                if writes.contains(&&"iam:AttachRolePolicy") {
                    assert!(condition.contains("iam:PolicyARN"), "{statement}");
                }
            }
        }
    }
}

#[test]
fn the_workload_patterns_name_every_workload_role_and_no_deploy_role() {
    let patterns = crate::iam::workload_patterns("shop", "dev");
    for role in crate::iam::workload_roles("shop", "dev") {
        assert!(patterns.iter().any(|p| glob_matches(p, &role)), "{role}");
    }
    for role in crate::iam::deploy_roles("shop", "dev") {
        assert!(!patterns.iter().any(|p| glob_matches(p, &role)), "{role}");
    }
}
