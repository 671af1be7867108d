//! Apps' and branches' JSON, and a deployment job's life: its artifact
//! checked as AWS does, one state per tick of simulated time.

use super::*;

impl App {
    pub(super) fn render(&self) -> Value {
        let mut out = self.json.clone();
        out["tags"] = json!(self.tags);
        out
    }
}

impl Branch {
    pub(super) fn render(&self) -> Value {
        let mut out = self.json.clone();
        out["tags"] = json!(self.tags);
        out
    }
}

impl Job {
    /// Why this job's artifact cannot be deployed, if it cannot.
    pub(super) fn artifact_problem(&self) -> Option<String> {
        if self.file_map.is_empty() {
            let Some(zip) = self.uploads.get(ZIP) else {
                return Some("No artifact was uploaded to the zipUploadUrl.".to_owned());
            };
            return zip_problem(zip).map(|problem| {
                format!("The uploaded artifact is not a valid zip file: {problem}")
            });
        }
        self.file_map
            .keys()
            .find(|file| !self.uploads.contains_key(*file))
            .map(|file| format!("File {file} of the fileMap was not uploaded."))
    }

    /// One tick of simulated time: PENDING, RUNNING, then the outcome.
    pub(super) fn tick(&mut self) {
        if !matches!(self.status, "PENDING" | "RUNNING") {
            return;
        }
        let polls = self.plan.polls.max(1);
        // PENDING for `polls` ticks, RUNNING for as many, then done.
        advance(&mut self.seen, 2 * polls, self.born, self.wall_clock);
        self.status = match self.seen / polls {
            0 => "PENDING",
            1 => "RUNNING",
            _ => {
                self.end_time = Some(now());
                if let JobOutcome::Fails { step, reason } = &self.plan.outcome {
                    self.failure
                        .get_or_insert_with(|| (step.clone(), reason.clone()));
                }
                if self.failure.is_some() {
                    "FAILED"
                } else {
                    "SUCCEED"
                }
            }
        };
    }

    pub(super) fn summary(&self) -> Value {
        self.summary_as(false)
    }

    /// The summary `ListJobs` gives: strict, a job never started is
    /// PENDING, as AWS lists it.
    pub(super) fn summary_as(&self, strict: bool) -> Value {
        let status = if strict && self.status == "CREATED" {
            "PENDING"
        } else {
            self.status
        };
        let mut out = json!({
            "jobArn": self.arn,
            "jobId": self.id,
            "commitId": "HEAD",
            "commitMessage": "manual deployment",
            "commitTime": self.start_time,
            "startTime": self.start_time,
            "status": status,
            "jobType": "MANUAL",
        });
        if let Some(end) = self.end_time {
            out["endTime"] = json!(end);
        }
        out
    }

    pub(super) fn steps(&self) -> Vec<Value> {
        if matches!(self.status, "CREATED" | "PENDING") {
            return Vec::new();
        }
        let end = self.end_time.unwrap_or_else(now);
        let (step, reason) = match (&self.failure, self.status) {
            (Some((step, reason)), "FAILED") => (step.clone(), Some(reason.clone())),
            _ => ("DEPLOY".to_owned(), None),
        };
        let mut out = json!({
            "stepName": step,
            "startTime": self.start_time,
            "status": self.status,
            "endTime": end,
        });
        if let Some(reason) = reason {
            out["statusReason"] = json!(reason);
        }
        vec![out]
    }
}

/// Why `bytes` is not a readable zip archive, if it is not: every entry is
/// read through, so a bad checksum counts too.
pub(super) fn zip_problem(bytes: &[u8]) -> Option<String> {
    let mut archive = match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(e) => return Some(e.to_string()),
    };
    if archive.is_empty() {
        return Some("the archive has no entries".to_owned());
    }
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(entry) => entry,
            Err(e) => return Some(e.to_string()),
        };
        if let Err(e) = std::io::copy(&mut entry.by_ref().take(u64::MAX), &mut std::io::sink()) {
            return Some(e.to_string());
        }
    }
    None
}
