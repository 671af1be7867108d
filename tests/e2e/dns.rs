//! The API's alias record: written in the team's zone, and never over a
//! record awsdeploy did not write.

use crate::harness::{World, mutating_calls};
use crate::service::{ZONE, create_zone, dns_section, stack_spec};

#[test]
fn a_record_that_points_elsewhere_is_never_overwritten() {
    let world = World::new();
    let zone_id = create_zone(&world);
    let app = "taken";
    let api = format!("api.{app}.{ZONE}");
    let route53 = aws_sdk_route53::Client::new(&world.config);
    let set = aws_sdk_route53::types::ResourceRecordSet::builder()
        .name(&api)
        .r#type(aws_sdk_route53::types::RrType::A)
        .ttl(300)
        .resource_records(
            aws_sdk_route53::types::ResourceRecord::builder()
                .value("192.0.2.10")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    world
        .block_on(
            route53
                .change_resource_record_sets()
                .hosted_zone_id(&zone_id)
                .change_batch(
                    aws_sdk_route53::types::ChangeBatch::builder()
                        .changes(
                            aws_sdk_route53::types::Change::builder()
                                .action(aws_sdk_route53::types::ChangeAction::Create)
                                .resource_record_set(set)
                                .build()
                                .unwrap(),
                        )
                        .build()
                        .unwrap(),
                )
                .send(),
        )
        .unwrap();
    world.sim.reset_calls();
    let spec = stack_spec(&world, app, &dns_section(app));
    let up = world.run(&["up", "-f", &spec, "--yes"]);
    up.assert_code(1);
    assert!(
        up.stderr.contains("already points at 192.0.2.10"),
        "{}",
        up.stderr
    );
    assert_eq!(mutating_calls(&world), 0, "{:?}", world.sim.calls());
}
