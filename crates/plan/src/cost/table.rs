//! The price tables: one JSON file per region in `crates/plan/prices/`,
//! made by `scripts/refresh-prices` from AWS's Price List offer files and
//! built into the binary, so pricing makes no call.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The regions awsdeploy has prices for, with their tables.
const TABLES: &[(&str, &str)] = &[
    (
        "ap-northeast-1",
        include_str!("../../prices/ap-northeast-1.json"),
    ),
    ("us-east-1", include_str!("../../prices/us-east-1.json")),
];

/// How to add a region's prices.
pub const REFRESH: &str = "scripts/refresh-prices";

/// One region's prices, by awsdeploy's id for each (`ec2.nat_gateway.hour`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub region: String,
    pub currency: String,
    /// Where the prices come from (the Price List's bulk API).
    pub source: String,
    pub prices: BTreeMap<String, Price>,
}

/// One price, as the Price List gives it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// The offer's service code (`AmazonEC2`, `AWSELB`, ...).
    pub service: String,
    /// The product's `usagetype` attribute: what the bill calls it.
    pub usage_type: String,
    /// The price dimension's unit (`Hrs`, `GB-Mo`, ...).
    pub unit: String,
    /// USD per unit, as the offer file writes it.
    pub usd: String,
    /// The offer file's `publicationDate`.
    pub published: String,
    /// The instance class's vCPUs (RDS instances: Extended Support is
    /// charged per vCPU).
    #[serde(default)]
    pub vcpu: Option<u32>,
}

impl Price {
    /// USD per unit.
    pub fn usd(&self) -> f64 {
        self.usd.parse().unwrap_or(f64::NAN)
    }

    /// The price per unit as people read it: `$0.062/h`.
    pub fn per_unit(&self) -> String {
        let unit = match self.unit.as_str() {
            "Hrs" | "hours" => "h",
            "GB-Mo" => "GB-month",
            "LCU-Hrs" => "LCU-hour",
            "Secrets" => "secret-month",
            "Alarms" => "alarm metric-month",
            "Metrics" => "metric-month",
            "Dashboards" => "dashboard-month",
            "minutes" => "minute",
            "WriteRequestUnits" => "write request unit",
            "ReadRequestUnits" => "read request unit",
            other => other,
        };
        // Cents always show: `$0.40`, not `$0.4`.
        let usd = match self.usd.split_once('.') {
            Some((_, decimals)) if decimals.len() >= 2 => self.usd.clone(),
            Some((whole, decimals)) => format!("{whole}.{decimals:0<2}"),
            None => format!("{}.00", self.usd),
        };
        format!("${usd}/{unit}")
    }
}

impl PriceTable {
    /// The table of `region`, when awsdeploy has one.
    pub fn of(region: &str) -> Option<PriceTable> {
        let (_, text) = TABLES.iter().find(|(r, _)| *r == region)?;
        let table: PriceTable = serde_json::from_str(text).ok()?;
        Some(table)
    }

    /// The regions with a table.
    pub fn regions() -> Vec<&'static str> {
        TABLES.iter().map(|(r, _)| *r).collect()
    }
}

/// The civil date (`YYYY-MM-DD`, UTC) of a Unix time: Extended Support's
/// years start on dates.
pub fn civil_date(unix_secs: i64) -> String {
    // Howard Hinnant's days-to-civil.
    let z = unix_secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_reads_and_names_its_region() {
        for region in PriceTable::regions() {
            let table = PriceTable::of(region).unwrap_or_else(|| panic!("{region} does not read"));
            assert_eq!(table.region, region);
            assert_eq!(table.currency, "USD");
            for (id, price) in &table.prices {
                assert!(price.usd().is_finite(), "{region} {id}: {}", price.usd);
                assert!(!price.usage_type.is_empty(), "{region} {id}");
                assert!(price.published.len() >= 10, "{region} {id}");
            }
        }
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        assert_eq!(civil_date(1_796_256_000), "2026-12-03");
    }
}
