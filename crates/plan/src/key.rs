//! A change's key: unique within a plan, how other changes and [`Ref`]s
//! name it.
//!
//! Keys are built only by the constructors here and compared as [`Key`]s.
//! Their text (the saved plan's JSON) is `{component}/{name}` (the database's
//! two kinds and the network's duplicates have their own prefixes), except a
//! network resource's, which is its `Name` tag: the format plans have been
//! saved in since the first release, so a saved plan still reads back. A new
//! component needs nothing here: its keys are [`Key::named`].
//!
//! [`Ref`]: crate::Ref

use std::fmt;
use std::str::FromStr;

use crate::ComponentId;

/// The key of one change. Keys sort by their text, as saved plans list
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A network resource, by its `Name` tag; a route is
    /// `{table}:{destination}`, a subnet's association `{subnet}:association`.
    Network(String),
    /// A duplicate left by a lost answer, to delete: by its id.
    Duplicate(String),
    DbSubnetGroup(String),
    DbInstance(String),
    /// Any other component's resource, `{component}/{name}`: a target group
    /// or load balancer by name, a listener `{load balancer}:{port}`; a
    /// cluster, task definition family or service `{cluster}/{service}`; the
    /// Amplify app, a branch `{app}/{branch}`, its release
    /// `{app}/{branch}:release` or a domain `{app}/domain/{domain}`.
    Named(ComponentId, String),
}

impl Key {
    /// The resource `name` of `component`.
    pub fn named(component: ComponentId, name: impl Into<String>) -> Key {
        Key::Named(component, name.into())
    }

    /// A route of a route table.
    pub fn route(table: &str, destination: &str) -> Key {
        Key::Network(format!("{table}:{destination}"))
    }

    /// A subnet's route table association.
    pub fn association(subnet: &str) -> Key {
        Key::Network(format!("{subnet}:association"))
    }

    /// A listener of a load balancer.
    pub fn listener(load_balancer: &str, port: i32) -> Key {
        Key::named(ComponentId::LoadBalancer, format!("{load_balancer}:{port}"))
    }

    /// The ECS service `service` in `cluster`.
    pub fn ecs_service(cluster: &str, service: &str) -> Key {
        Key::named(ComponentId::Service, format!("{cluster}/{service}"))
    }

    /// The autoscaling of the ECS service `service` in `cluster`.
    pub fn autoscaling(cluster: &str, service: &str) -> Key {
        Key::named(
            ComponentId::Service,
            format!("{cluster}/{service}:autoscaling"),
        )
    }

    /// A branch of the Amplify app `app`.
    pub fn web_branch(app: &str, branch: &str) -> Key {
        Key::named(ComponentId::Web, format!("{app}/{branch}"))
    }

    /// The release of a web artifact to a branch.
    pub fn web_release(app: &str, branch: &str) -> Key {
        Key::named(ComponentId::Web, format!("{app}/{branch}:release"))
    }

    /// The custom domain `domain` of the Amplify app `app`.
    pub fn web_domain(app: &str, domain: &str) -> Key {
        Key::named(ComponentId::Web, format!("{app}/domain/{domain}"))
    }

    /// The component whose change this is.
    pub fn component(&self) -> ComponentId {
        match self {
            Key::Network(_) | Key::Duplicate(_) => ComponentId::Network,
            Key::DbSubnetGroup(_) | Key::DbInstance(_) => ComponentId::Database,
            Key::Named(component, _) => *component,
        }
    }

    /// The prefix of its text and its name; the network has no prefix.
    fn parts(&self) -> (Option<&'static str>, &str) {
        match self {
            Key::Network(n) => (None, n),
            Key::Duplicate(n) => (Some("duplicate"), n),
            Key::DbSubnetGroup(n) => (Some("db-subnet-group"), n),
            Key::DbInstance(n) => (Some("db-instance"), n),
            Key::Named(component, n) => (Some(component.as_str()), n),
        }
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        self.to_string().cmp(&other.to_string())
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parts() {
            (Some(prefix), name) => write!(f, "{prefix}/{name}"),
            (None, name) => f.write_str(name),
        }
    }
}

impl FromStr for Key {
    type Err = std::convert::Infallible;

    /// Every text is a key: one without a known prefix is a network name.
    fn from_str(text: &str) -> Result<Key, Self::Err> {
        let Some((prefix, name)) = text.split_once('/') else {
            return Ok(Key::Network(text.to_owned()));
        };
        let name = name.to_owned();
        Ok(match prefix {
            "duplicate" => Key::Duplicate(name),
            "db-subnet-group" => Key::DbSubnetGroup(name),
            "db-instance" => Key::DbInstance(name),
            other => match ComponentId::named(other) {
                Some(component) => Key::Named(component, name),
                None => Key::Network(text.to_owned()),
            },
        })
    }
}

impl serde::Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(text.parse().unwrap_or_else(|never| match never {}))
    }
}

impl schemars::JsonSchema for Key {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Key".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = String::json_schema(generator);
        schema.insert(
            "description".to_owned(),
            "A change's key: `{space}/{name}`, or a network resource's Name tag".into(),
        );
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_from_its_text() {
        let keys = [
            Key::Network("shop-dev-vpc".to_owned()),
            Key::route("shop-dev-public-rt", "0.0.0.0/0"),
            Key::association("shop-dev-public-1"),
            Key::Duplicate("vpc-1".to_owned()),
            Key::DbSubnetGroup("shop-dev-db".to_owned()),
            Key::DbInstance("shop-dev-db".to_owned()),
            Key::named(ComponentId::Registry, "shop/dev/api"),
            Key::named(ComponentId::Logs, "/awsdeploy/shop/dev"),
            Key::named(ComponentId::Iam, "shop-dev-task"),
            Key::listener("shop-dev-alb", 443),
            Key::named(ComponentId::Certificate, "api.example.com"),
            Key::named(ComponentId::Dns, "api.example.com"),
            Key::ecs_service("shop-dev", "api"),
            Key::named(ComponentId::Migration, "shop-dev-migrate"),
            Key::web_release("shop-dev", "main"),
            Key::web_domain("shop-dev", "example.com"),
        ];
        for key in keys {
            let text = key.to_string();
            assert_eq!(text.parse::<Key>().unwrap(), key, "{text}");
            let json = serde_json::to_string(&key).unwrap();
            assert_eq!(serde_json::from_str::<Key>(&json).unwrap(), key);
        }
    }

    #[test]
    fn the_text_is_the_saved_plan_format() {
        assert_eq!(
            Key::Network("shop-dev-vpc".into()).to_string(),
            "shop-dev-vpc"
        );
        assert_eq!(
            Key::route("shop-dev-private-1-rt", "0.0.0.0/0").to_string(),
            "shop-dev-private-1-rt:0.0.0.0/0"
        );
        assert_eq!(
            Key::named(ComponentId::Logs, "/awsdeploy/shop/dev").to_string(),
            "logs//awsdeploy/shop/dev"
        );
        assert_eq!(
            Key::ecs_service("shop-dev", "api").to_string(),
            "service/shop-dev/api"
        );
    }
}
