//! `DynamoDB` tables are made asynchronously: `CreateTable` answers with the
//! table `CREATING`, and "you can only perform read and write operations on
//! an ACTIVE table" (`DynamoDB` API reference, `CreateTable`); an item call on
//! a table still being made fails `ResourceNotFoundException`. moto makes
//! the table `ACTIVE` at once. Here a new table is `CREATING`, in
//! `DescribeTable` and to item calls, for a moment.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::super::message::{Request, Response};

/// The calls that read or write a table's items.
const ITEM_CALLS: [&str; 6] = [
    "PutItem",
    "GetItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
];

#[derive(Debug, Default)]
pub(in super::super) struct Tables {
    /// Table name → when it becomes `ACTIVE`.
    active_at: BTreeMap<String, Instant>,
}

impl Tables {
    fn creating(&self, table: &str) -> bool {
        self.active_at
            .get(table)
            .is_some_and(|at| *at > Instant::now())
    }

    /// `ResourceNotFoundException` for an item call on a table still being
    /// made.
    pub fn before(&self, name: &str, request: &Request) -> Option<Response> {
        if !ITEM_CALLS.contains(&name) {
            return None;
        }
        let body = request.json();
        let table = body["TableName"].as_str()?;
        self.creating(table).then(|| {
            Response::aws_error(
                request,
                "dynamodb",
                400,
                "ResourceNotFoundException",
                "Requested resource not found",
            )
        })
    }

    /// Notes a new table and shows it `CREATING` until it is ready;
    /// returns whether the answer changed.
    pub fn after(
        &mut self,
        name: &str,
        request: &Request,
        response: &mut Response,
        creating_for: Duration,
    ) -> bool {
        let body = request.json();
        let Some(table) = body["TableName"].as_str() else {
            return false;
        };
        let member = match name {
            "CreateTable" => {
                self.active_at
                    .insert(table.to_owned(), Instant::now() + creating_for);
                "TableDescription"
            }
            "DescribeTable" if self.creating(table) => "Table",
            "DeleteTable" => {
                self.active_at.remove(table);
                return false;
            }
            _ => return false,
        };
        let Some(mut answer) = response.ok_json() else {
            return false;
        };
        answer[member]["TableStatus"] = "CREATING".into();
        response.set_body(answer.to_string());
        true
    }
}
