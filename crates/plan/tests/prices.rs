//! The committed price tables are what `scripts/refresh-prices` makes of
//! the offer files in `crates/plan/prices/offers/` (AWS's Price List
//! format), and each price names the offer row it came from.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const REGIONS: [&str; 2] = ["ap-northeast-1", "us-east-1"];

#[test]
fn the_refresh_script_reproduces_the_committed_tables_from_the_offer_files() {
    let out = std::env::temp_dir().join(format!("awsdeploy-prices-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let prices = repo().join("crates/plan/prices");
    let run = Command::new("python3")
        .arg(repo().join("scripts/refresh-prices"))
        .arg("--offers")
        .arg(prices.join("offers"))
        .arg("--out")
        .arg(&out)
        .args(REGIONS)
        .output()
        .expect("python3 runs the refresh script");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for region in REGIONS {
        let made = std::fs::read_to_string(out.join(format!("{region}.json"))).unwrap();
        let committed = std::fs::read_to_string(prices.join(format!("{region}.json"))).unwrap();
        assert_eq!(
            made, committed,
            "{region}: run `scripts/refresh-prices --offers crates/plan/prices/offers {region}`"
        );
    }
    // A decoy row at another price for the same usage type (a Classic
    // load balancer's hour, PostgreSQL's instance hour) did not count.
    let tokyo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(prices.join("ap-northeast-1.json")).unwrap())
            .unwrap();
    assert_eq!(tokyo["prices"]["elb.alb.hour"]["usd"], "0.0243");
    assert_eq!(
        tokyo["prices"]["rds.mysql.db.t4g.micro.single_az"]["usd"],
        "0.025"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn each_price_names_the_offer_row_it_came_from() {
    let prices = repo().join("crates/plan/prices");
    for region in REGIONS {
        let table: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(prices.join(format!("{region}.json"))).unwrap(),
        )
        .unwrap();
        for (id, price) in table["prices"].as_object().unwrap() {
            let service = price["service"].as_str().unwrap();
            let offer: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(
                    prices
                        .join("offers")
                        .join(service)
                        .join(format!("{region}.json")),
                )
                .unwrap(),
            )
            .unwrap();
            assert_eq!(
                offer["publicationDate"], price["published"],
                "{region} {id}"
            );
            let usage_type = price["usage_type"].as_str().unwrap();
            assert!(
                offer["products"]
                    .as_object()
                    .unwrap()
                    .values()
                    .any(|p| p["attributes"]["usagetype"] == usage_type),
                "{region} {id}: no {usage_type} in the {service} offer file"
            );
        }
    }
}
