//! Amplify's REST routes: a request's method and path, as the operation
//! it names (what the proxy counts it as).

use super::super::message::{Request, percent_decode};

#[derive(Debug)]
pub(super) enum Route {
    CreateApp,
    ListApps,
    GetApp(String),
    UpdateApp(String),
    DeleteApp(String),
    CreateBranch(String),
    ListBranches(String),
    GetBranch(String, String),
    UpdateBranch(String, String),
    DeleteBranch(String, String),
    CreateDeployment(String, String),
    StartDeployment(String, String),
    ListJobs(String, String),
    GetJob(String, String, String),
    StopJob(String, String, String),
    CreateDomainAssociation(String),
    ListDomainAssociations(String),
    GetDomainAssociation(String, String),
    TagResource(String),
    UntagResource(String),
    ListTagsForResource(String),
    Unknown,
}

impl Route {
    pub(super) fn parse(method: &str, path: &str) -> Route {
        let segments: Vec<String> = path
            .trim_matches('/')
            .split('/')
            .map(percent_decode)
            .collect();
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let own = |i: usize| s[i].to_owned();
        match (method, s.as_slice()) {
            ("POST", ["apps"]) => Route::CreateApp,
            ("GET", ["apps"]) => Route::ListApps,
            ("GET", ["apps", _]) => Route::GetApp(own(1)),
            ("POST", ["apps", _]) => Route::UpdateApp(own(1)),
            ("DELETE", ["apps", _]) => Route::DeleteApp(own(1)),
            ("POST", ["apps", _, "branches"]) => Route::CreateBranch(own(1)),
            ("GET", ["apps", _, "branches"]) => Route::ListBranches(own(1)),
            ("GET", ["apps", _, "branches", _]) => Route::GetBranch(own(1), own(3)),
            ("POST", ["apps", _, "branches", _]) => Route::UpdateBranch(own(1), own(3)),
            ("DELETE", ["apps", _, "branches", _]) => Route::DeleteBranch(own(1), own(3)),
            ("POST", ["apps", _, "branches", _, "deployments"]) => {
                Route::CreateDeployment(own(1), own(3))
            }
            ("POST", ["apps", _, "branches", _, "deployments", "start"]) => {
                Route::StartDeployment(own(1), own(3))
            }
            ("GET", ["apps", _, "branches", _, "jobs"]) => Route::ListJobs(own(1), own(3)),
            ("GET", ["apps", _, "branches", _, "jobs", _]) => Route::GetJob(own(1), own(3), own(5)),
            ("DELETE", ["apps", _, "branches", _, "jobs", _, "stop"]) => {
                Route::StopJob(own(1), own(3), own(5))
            }
            ("POST", ["apps", _, "domains"]) => Route::CreateDomainAssociation(own(1)),
            ("GET", ["apps", _, "domains"]) => Route::ListDomainAssociations(own(1)),
            ("GET", ["apps", _, "domains", _]) => Route::GetDomainAssociation(own(1), own(3)),
            (_, ["tags", ..]) => {
                let arn = s[1..].join("/");
                match method {
                    "POST" => Route::TagResource(arn),
                    "DELETE" => Route::UntagResource(arn),
                    _ => Route::ListTagsForResource(arn),
                }
            }
            _ => Route::Unknown,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Route::CreateApp => "CreateApp",
            Route::ListApps => "ListApps",
            Route::GetApp(_) => "GetApp",
            Route::UpdateApp(_) => "UpdateApp",
            Route::DeleteApp(_) => "DeleteApp",
            Route::CreateBranch(_) => "CreateBranch",
            Route::ListBranches(_) => "ListBranches",
            Route::GetBranch(..) => "GetBranch",
            Route::UpdateBranch(..) => "UpdateBranch",
            Route::DeleteBranch(..) => "DeleteBranch",
            Route::CreateDeployment(..) => "CreateDeployment",
            Route::StartDeployment(..) => "StartDeployment",
            Route::ListJobs(..) => "ListJobs",
            Route::GetJob(..) => "GetJob",
            Route::StopJob(..) => "StopJob",
            Route::CreateDomainAssociation(_) => "CreateDomainAssociation",
            Route::ListDomainAssociations(_) => "ListDomainAssociations",
            Route::GetDomainAssociation(..) => "GetDomainAssociation",
            Route::TagResource(_) => "TagResource",
            Route::UntagResource(_) => "UntagResource",
            Route::ListTagsForResource(_) => "ListTagsForResource",
            Route::Unknown => "Unknown",
        }
    }
}

/// The operation name of an Amplify request, for counts and faults.
pub(in crate::proxy) fn operation(request: &Request) -> String {
    Route::parse(request.method(), request.path())
        .name()
        .to_owned()
}
