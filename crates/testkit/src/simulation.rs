//! The one thing a test starts: the emulator with the simulation proxy in
//! front of it, and an SDK configuration that talks to the proxy.

use std::ops::Deref;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;

use crate::localstack::LocalStack;
use crate::proxy::{Routes, models_dir};
use crate::{Emulator, EmulatorError, SimulationProxy, Strictness, TEST_CREDENTIALS};

/// The region every simulation answers in, as [`TEST_CREDENTIALS`] says.
pub const REGION: &str = "ap-northeast-1";

/// moto behind the simulation proxy (in the LocalStack lane, LocalStack
/// too, for the services it serves). It derefs to the proxy, for counts,
/// latency, faults and lifecycles; dropping it stops them all.
#[derive(Debug)]
pub struct Simulation {
    // Dropped first: nothing reaches the emulators after they stop.
    proxy: SimulationProxy,
    emulator: Emulator,
    localstack: Option<LocalStack>,
}

impl Simulation {
    /// Starts moto (or uses `AWSDEPLOY_TEST_ENDPOINT`) and the proxy, as
    /// strict as AWS ([`Strictness::aws`]); with `AWSDEPLOY_TEST_BACKEND`
    /// `localstack` or `localstack-all`, LocalStack too, which then answers
    /// the services [`LocalStack::requested`] names.
    pub fn start() -> Result<Simulation, EmulatorError> {
        Simulation::start_with(Strictness::aws())
    }

    /// Starts moto and the proxy with `rules` ([`Strictness::lenient`]:
    /// moto's leniency, to reproduce what a test saw before the strict
    /// rules). Request validation needs botocore's models, which moto's
    /// virtualenv has; without them it is an error to ask for it.
    pub fn start_with(rules: Strictness) -> Result<Simulation, EmulatorError> {
        let models = if rules.validate_requests {
            let path = Emulator::moto_server_path();
            Some(models_dir(Some(&path)).ok_or(EmulatorError::NoModels(path))?)
        } else {
            None
        };
        let emulator = Emulator::start()?;
        let (localstack, to_localstack) = match LocalStack::requested() {
            Some(services) => {
                let localstack = LocalStack::start()?;
                let to_localstack = Some((localstack.addr(), services));
                (Some(localstack), to_localstack)
            }
            None => (None, None),
        };
        let routes = Routes {
            emulator: emulator.addr(),
            localstack: to_localstack,
        };
        let proxy = SimulationProxy::start(routes, rules, models)?;
        Ok(Simulation {
            proxy,
            emulator,
            localstack,
        })
    }

    /// LocalStack, in the LocalStack lane.
    pub fn localstack(&self) -> Option<&LocalStack> {
        self.localstack.as_ref()
    }

    /// The endpoint clients use: the proxy's.
    pub fn endpoint(&self) -> String {
        self.proxy.endpoint()
    }

    pub fn proxy(&self) -> &SimulationProxy {
        &self.proxy
    }

    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Environment for a process that should talk to the simulation:
    /// `AWS_ENDPOINT_URL` (the proxy), test credentials and region.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = self.emulator.env();
        for (key, value) in &mut env {
            if *key == "AWS_ENDPOINT_URL" {
                *value = self.endpoint();
            }
        }
        env
    }

    /// An SDK configuration for clients in the test itself: the proxy's
    /// endpoint, the test credentials, [`REGION`], and the SDK's standard
    /// retries and timeouts.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        let [(_, key), (_, secret), _] = TEST_CREDENTIALS;
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(self.endpoint())
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                key,
                secret,
                None,
                None,
                "awsdeploy-testkit",
            )))
            .build()
    }

    /// Clears all state, the emulator's and the proxy's: the next test
    /// starts from an empty account. Refused for a shared endpoint
    /// (`AWSDEPLOY_TEST_ENDPOINT`), whose state is not ours to wipe, and
    /// with LocalStack, whose community edition has no reset.
    pub fn reset(&self) -> Result<(), EmulatorError> {
        if !self.emulator.is_private() {
            return Err(EmulatorError::Shared);
        }
        if self.localstack.is_some() {
            return Err(EmulatorError::LocalStackReset);
        }
        self.emulator.reset()?;
        self.proxy.reset();
        Ok(())
    }
}

impl Deref for Simulation {
    type Target = SimulationProxy;

    fn deref(&self) -> &SimulationProxy {
        &self.proxy
    }
}
