//! `awsdeploy init`: a first spec for the project in a folder, from what
//! the folder holds: its name for `app.name`, a golang-migrate folder for
//! `[migration].path`, a Next.js app with `output: 'export'` for
//! `[web].artifact`. Every other key is the default, commented.

use std::path::{Path, PathBuf};

use crate::migrations;

/// What [`scan`] found in a project folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// `app.name`, from the folder's name.
    pub app: String,
    /// The golang-migrate folder, relative to the project folder.
    pub migrations: Option<PathBuf>,
    /// The Next.js app exporting a static site, relative to the project
    /// folder; its export lands in `out/` inside it.
    pub web_app: Option<PathBuf>,
}

/// How deep [`scan`] looks (`packages/dbschema/migrations` is 3).
const DEPTH: usize = 4;

/// Folders never searched: dependencies, builds, version control.
const SKIPPED: &[&str] = &[
    "node_modules",
    "target",
    "vendor",
    "dist",
    "build",
    "out",
    ".next",
    ".turbo",
];

/// Looks through `root` (a few levels deep, in name order) for the
/// project's golang-migrate folder and static Next.js app.
pub fn scan(root: &Path) -> Project {
    let mut folders = Vec::new();
    walk(root, Path::new(""), DEPTH, &mut folders);
    let migrations = folders
        .iter()
        .find(|dir| is_migrations(&root.join(dir)))
        .cloned();
    let web_app = folders
        .iter()
        .find(|dir| exports_static_site(&root.join(dir)))
        .cloned();
    let name = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    Project {
        app: app_name(&name),
        migrations,
        web_app,
    }
}

/// Every folder under `root` down to `depth`, relative to it, the
/// shallower first and in name order (the project's own folder is "").
fn walk(root: &Path, relative: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    let mut level = vec![relative.to_path_buf()];
    for _ in 0..=depth {
        let mut next = Vec::new();
        for dir in &level {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            let mut children: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| !name.starts_with('.') && !SKIPPED.contains(&name.as_str()))
                .map(|name| dir.join(name))
                .collect();
            children.sort();
            next.extend(children);
        }
        found.append(&mut level);
        level = next;
    }
}

/// A folder with golang-migrate files in it.
fn is_migrations(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| migrations::is_migration_file(&e.file_name().to_string_lossy()))
    })
}

/// A Next.js app whose config asks for a static export (`output:
/// 'export'`), the only kind Amplify's manual deployments serve.
fn exports_static_site(dir: &Path) -> bool {
    [
        "next.config.js",
        "next.config.mjs",
        "next.config.ts",
        "next.config.cjs",
    ]
    .iter()
    .filter_map(|file| std::fs::read_to_string(dir.join(file)).ok())
    .any(|config| {
        let config: String = config.chars().filter(|c| !c.is_whitespace()).collect();
        config.contains("output:'export'") || config.contains("output:\"export\"")
    })
}

/// A folder's name as an `app.name`: lower case, `[a-z0-9-]`, starting
/// with a letter, at most 20 characters; "app" when nothing is left.
pub fn app_name(folder: &str) -> String {
    let mut name = String::new();
    for c in folder.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if (c == '-' && (name.is_empty() || name.ends_with('-')))
            || (name.is_empty() && c.is_ascii_digit())
        {
            continue;
        }
        name.push(c);
    }
    name.truncate(20);
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        "app".to_owned()
    } else {
        name.to_owned()
    }
}

/// The spec `awsdeploy init` writes for `project`: what was found filled
/// in, the rest commented with its default.
pub fn template(project: &Project) -> String {
    let slash = |p: &Path| p.to_string_lossy().replace('\\', "/");
    let migration = match &project.migrations {
        Some(path) => format!(
            r#"[migration]                   # golang-migrate in the API image, as a one-off ECS task before each image change
# `sh -c` expands $DATABASE_URL: awsdeploy sets it, the password escaped.
command = ["sh", "-c", "migrate -path /migrations -database \"$DATABASE_URL\" up"]
path = "{}"  # checked before every run
# timeout = "10m"
"#,
            slash(path)
        ),
        None => r#"# [migration]                 # golang-migrate in the API image, run before each image change
# command = ["sh", "-c", "migrate -path /migrations -database \"$DATABASE_URL\" up"]
# path = "migrations"         # the local folder, checked before every run
"#
        .to_owned(),
    };
    let web = match &project.web_app {
        Some(app) => format!(
            r#"[web]                         # the Next.js static export on Amplify Hosting
# branch = "main"
artifact = "{}"  # `next build` writes it (output: 'export' in {})
"#,
            slash(&app.join("out")),
            slash(app)
        ),
        None => r#"# [web]                       # a Next.js static export (output: 'export') on Amplify Hosting
# artifact = "apps/web/out"
"#
        .to_owned(),
    };
    format!(
        r#"# awsdeploy spec, written by `awsdeploy init`. Check it with
# `awsdeploy validate`; see what `up` would make with `awsdeploy diff`.
# Every key commented out shows its default. For completion in an editor:
# `awsdeploy schema > awsdeploy.schema.json` and `#:schema ./awsdeploy.schema.json`
# as the first line.

[app]
name = "{app}"                # [a-z][a-z0-9-], prefixes every resource name
# region = "eu-west-1"        # omit to use AWS_REGION / the profile's region

[network]
# cidr = "10.0.0.0/16"        # /16 to /24; subnets are carved from it
# azs = 2                     # a public and a private subnet in each (1..=6)
# nat = "single"              # single | per-az | none

[database]                    # RDS for MySQL in the private subnets
# instance_class = "db.t4g.micro"
# storage_gb = 20             # grows only

[registry]                    # the ECR repository for the API image
# keep_images = 30

[service]                     # the API on ECS Fargate behind a load balancer
# port = 8080
# desired_count = 2

{migration}
{web}
# [dns]                       # the team's Route 53 zone (awsdeploy never creates zones)
# zone = "example.com"
# api = "api.example.com"     # a certificate for it, and an alias to the load balancer

# [alarms]                    # CloudWatch's recommended alarms, a dashboard, rollback on alarms
# email = ["oncall@example.com"]  # each confirms once, from the email AWS sends
# [alarms.thresholds]         # see docs/components/alarms.md for every key
# target_5xx_count = 10

# [pipeline]                  # deploy on git push: `awsdeploy ci github-actions` / `ci buildspec`
# runner = "github-actions"   # up makes the role GitHub Actions deploys with (OIDC, no stored keys)
# repository = "acme/shop"    # owner/name
# branch = "main"
# awsdeploy_git = "https://github.com/acme/awsdeploy"  # CI builds awsdeploy from this repository
# awsdeploy_rev = "<40-hex commit>"                   # at this commit (`git rev-parse HEAD`)
"#,
        app = project.app,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_become_app_names() {
        assert_eq!(app_name("My Shop"), "my-shop");
        assert_eq!(app_name("shop_api.v2"), "shop-api-v2");
        assert_eq!(app_name("2024-store"), "store");
        assert_eq!(app_name("___"), "app");
        assert_eq!(
            app_name("a-very-long-project-folder-name"),
            "a-very-long-project"
        );
    }

    #[test]
    fn a_monorepo_gets_its_migrations_and_static_web_app() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let migrations = root.join("packages/dbschema/migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        std::fs::write(migrations.join("1_init.up.sql"), "").unwrap();
        std::fs::write(migrations.join("1_init.down.sql"), "").unwrap();
        // A migrations-looking folder inside dependencies is not it.
        let vendored = root.join("node_modules/pkg/migrations");
        std::fs::create_dir_all(&vendored).unwrap();
        std::fs::write(vendored.join("1_x.up.sql"), "").unwrap();
        let web = root.join("apps/web");
        std::fs::create_dir_all(&web).unwrap();
        std::fs::write(
            web.join("next.config.mjs"),
            "const nextConfig = {\n  output: \"export\",\n};\nexport default nextConfig;\n",
        )
        .unwrap();
        // A server-rendered app is not served by manual deployments.
        let admin = root.join("apps/admin");
        std::fs::create_dir_all(&admin).unwrap();
        std::fs::write(admin.join("next.config.js"), "module.exports = {}").unwrap();

        let project = scan(root);
        assert_eq!(
            project.migrations.as_deref(),
            Some(Path::new("packages/dbschema/migrations"))
        );
        assert_eq!(project.web_app.as_deref(), Some(Path::new("apps/web")));
        let text = template(&project);
        assert!(
            text.contains("path = \"packages/dbschema/migrations\""),
            "{text}"
        );
        assert!(text.contains("artifact = \"apps/web/out\""), "{text}");
    }

    #[test]
    fn an_empty_folder_gets_the_sections_it_can_use_and_the_rest_commented() {
        let dir = tempfile::tempdir().unwrap();
        let project = scan(dir.path());
        assert_eq!((project.migrations, project.web_app), (None, None));
        let text = template(&Project {
            app: "shop".to_owned(),
            migrations: None,
            web_app: None,
        });
        let spec = crate::Spec::parse(&text, "awsdeploy.toml", "dev").unwrap();
        assert_eq!(spec.app.name, "shop");
        assert!(spec.migration.is_none() && spec.web.is_none());
        assert!(spec.service.is_some() && spec.database.is_some());
    }
}
