//! What the database costs a month: the instance's hours (Multi-AZ is its
//! own, higher price), its gp3 storage, Extended Support for a major
//! version past standard support (per vCPU, the standby's too), and the
//! master password's secret.

use crate::cost::{Bill, CostContext, Side};
use crate::{ResourceKind, names};

/// RDS for `MySQL` major versions past standard support: the first day of
/// Extended Support's years 1–2 and of year 3, and its last day (the RDS
/// for `MySQL` release calendar; 8.4 is in standard support until 2029).
const EXTENDED_SUPPORT: &[(&str, &str, &str, &str)] = &[
    ("5.7", "2024-03-01", "2026-03-01", "2027-02-28"),
    ("8.0", "2026-08-01", "2028-08-01", "2029-07-31"),
];

/// The instance as priced.
struct Sizing {
    class: String,
    multi_az: bool,
    storage_gb: u32,
    version: String,
    stopped: bool,
    /// RDS manages the master password in Secrets Manager.
    secret: bool,
}

fn sizing(cx: &CostContext<'_>) -> Option<Sizing> {
    let live = cx
        .live
        .database
        .instance
        .as_ref()
        .filter(|i| i.owned && i.status != "deleting");
    // `up` never starts a stopped instance: the spec's side keeps it so.
    let stopped = live.is_some_and(|i| i.status == "stopped");
    match cx.side {
        Side::Spec => cx.spec.database.as_ref().map(|d| Sizing {
            class: d.instance_class.clone(),
            multi_az: d.multi_az,
            storage_gb: d.storage_gb,
            version: d.engine_version.clone(),
            stopped,
            secret: true,
        }),
        Side::Live => live.map(|i| Sizing {
            class: i.instance_class.clone(),
            multi_az: i.multi_az,
            storage_gb: u32::try_from(i.allocated_storage_gb).unwrap_or(0),
            version: i.engine_version.clone(),
            stopped,
            secret: i.master_secret_arn.is_some(),
        }),
    }
}

/// The Extended Support price of `version` on `today`, and what it is
/// called: `None` in standard support.
pub fn extended_support(version: &str, today: &str) -> Option<(String, String)> {
    let major: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let &(_, year1, year3, end) = EXTENDED_SUPPORT.iter().find(|(m, ..)| *m == major)?;
    // Past its end RDS upgrades the instance to the next major version.
    if today < year1 || today > end {
        return None;
    }
    let (band, label) = if today >= year3 {
        ("yr3", "year 3")
    } else {
        ("yr1_yr2", "years 1–2")
    };
    Some((
        format!("rds.extended_support.mysql{major}.{band}"),
        format!("Extended Support (MySQL {major}, {label}) per vCPU"),
    ))
}

pub fn cost(cx: &CostContext<'_>, bill: &mut Bill<'_>) {
    let Some(db) = sizing(cx) else {
        return;
    };
    let identifier = names::database_identifier(cx.app(), cx.env());
    let resource = (ResourceKind::DbInstance, identifier.as_str());
    let az = if db.multi_az { "multi_az" } else { "single_az" };
    let placement = if db.multi_az { "Multi-AZ" } else { "Single-AZ" };
    let instance = format!("rds.mysql.{}.{az}", db.class);
    // A stopped instance pays for its storage (and Extended Support), not
    // its hours.
    if !db.stopped {
        bill.hourly(
            resource,
            &format!("MySQL {} {placement}", db.class),
            &instance,
            1.0,
        );
    }
    bill.monthly(
        resource,
        &format!("gp3 storage {placement}, GB"),
        &format!("rds.gp3.{az}"),
        f64::from(db.storage_gb),
    );
    if let Some((price, item)) = extended_support(&db.version, cx.today) {
        let class = format!("rds.mysql.{}.single_az", db.class);
        let Some(vcpu) = bill.price(&class).and_then(|p| p.vcpu) else {
            bill.lacks(&format!("{class} (its vCPUs)"));
            return;
        };
        let instances = if db.multi_az { 2 } else { 1 };
        bill.hourly(
            resource,
            &format!("{item} × {instances} instance(s)"),
            &price,
            f64::from(vcpu * instances),
        );
    }
    if db.secret {
        bill.monthly(
            resource,
            "master secret (Secrets Manager)",
            "secretsmanager.secret",
            1.0,
        );
    }
    bill.usage(
        "backup storage beyond the database's size",
        "rds.backup.gb_month",
        "backups up to the allocated storage are free; more retention days or a busy database store more",
    );
}
