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
