//! TEMPORARY placeholder until the cron module lands (being written in parallel).
use chrono::{DateTime, Utc};
#[derive(Debug, Clone)]
pub struct CronSpec;
pub fn parse_cron(_expr: &str) -> Result<CronSpec, String> {
    Err("cron is not implemented yet".into())
}
pub fn parse_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse().map_err(|_| format!("unknown time zone \"{name}\""))
}
pub fn next_runs(_spec: &CronSpec, _tz: chrono_tz::Tz, _from: DateTime<Utc>, _count: usize) -> Vec<DateTime<Utc>> {
    Vec::new()
}
