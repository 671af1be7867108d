//! The API's certificate: requested, validated through the team's zone,
//! and used by the HTTPS listener only once ELB accepts it.

use crate::harness::World;
use crate::service::{create_zone, dns_section, stack_spec};

#[test]
fn a_listener_refused_a_certificate_just_issued_is_created_once_elb_accepts_it() {
    // ELB refuses a certificate for a while after ACM issues it; here 20 s
    // (longer than awsdeploy's wait for the issuance polls).
    let world = World::with(awsdeploy_testkit::Strictness {
        certificate_settle: std::time::Duration::from_secs(20),
        ..awsdeploy_testkit::Strictness::aws()
    });
    create_zone(&world);
    let app = "tls";
    let spec = stack_spec(&world, app, &dns_section(app));
    let up = world.run(&["up", "-f", &spec, "--yes"]);
    up.assert_code(0);
    assert!(
        world.sim.count("elasticloadbalancing", "CreateListener") > 2,
        "the HTTPS listener was refused at first and created on a later try"
    );
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);
}

/// ACM answers an idempotency token used within the hour with the
/// certificate it made then, deleted or not: `down` then `up` a minute
/// later must ask for a new one, not be handed the deleted one.
#[test]
fn up_after_down_gets_a_new_certificate() {
    let world = World::new();
    create_zone(&world);
    let app = "again";
    let spec = stack_spec(&world, app, &dns_section(app));
    let acm = aws_sdk_acm::Client::new(&world.config);
    let arns = |world: &World| -> Vec<String> {
        let listed = world.block_on(acm.list_certificates().send()).unwrap();
        listed
            .certificate_summary_list()
            .iter()
            .filter_map(|c| c.certificate_arn().map(str::to_owned))
            .collect()
    };
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    let first = arns(&world);
    assert_eq!(first.len(), 1, "{first:?}");
    world
        .run(&["down", "-f", &spec, "-e", "dev", "--yes"])
        .assert_code(0);
    assert!(arns(&world).is_empty());
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    let second = arns(&world);
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(first, second, "a new certificate");
    world
        .run(&["diff", "-f", &spec, "--detailed-exitcode"])
        .assert_code(0);
}

/// ACM gives every certificate for a name the same validation CNAME: a
/// team's own certificate for the API's name needs it to renew, so `down`
/// keeps it while such a certificate exists.
#[test]
fn down_keeps_the_validation_record_another_certificate_shares() {
    let world = World::new();
    let zone = create_zone(&world);
    let app = "shared";
    let spec = stack_spec(&world, app, &dns_section(app));
    world.run(&["up", "-f", &spec, "--yes"]).assert_code(0);
    let acm = aws_sdk_acm::Client::new(&world.config);
    let ours = world.block_on(acm.list_certificates().send()).unwrap();
    let domain = ours.certificate_summary_list()[0]
        .domain_name()
        .unwrap()
        .to_owned();
    world
        .block_on(
            acm.request_certificate()
                .domain_name(&domain)
                .validation_method(aws_sdk_acm::types::ValidationMethod::Dns)
                .send(),
        )
        .unwrap();
    world
        .run(&["down", "-f", &spec, "-e", "dev", "--yes"])
        .assert_code(0);
    let route53 = aws_sdk_route53::Client::new(&world.config);
    let records = world
        .block_on(
            route53
                .list_resource_record_sets()
                .hosted_zone_id(&zone)
                .send(),
        )
        .unwrap();
    let cnames: Vec<&str> = records
        .resource_record_sets()
        .iter()
        .filter(|r| r.r#type() == &aws_sdk_route53::types::RrType::Cname)
        .map(aws_sdk_route53::types::ResourceRecordSet::name)
        .collect();
    assert!(
        cnames.iter().any(|n| n.contains(&domain)),
        "the shared validation record is kept: {cnames:?}"
    );
}
