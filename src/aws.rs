//! The one place AWS clients are built.
//!
//! Admin credentials come from the standard chain (environment, profile,
//! SSO, `credential_process`, instance roles); the profile, region and
//! endpoint flags are applied here and nowhere else. Steps receive clients.

use std::time::Duration;

use aws_config::meta::region::RegionProviderChain;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};

use crate::cli::GlobalArgs;
use crate::secret::Secret;

/// IAM and STS are global: with no region configured they are signed for
/// this one, as the AWS CLI does.
pub const FALLBACK_REGION: &str = "us-east-1";

/// A loaded configuration: credentials, region and endpoint. Throttling,
/// 5xx answers and dropped connections are retried by the SDK's standard
/// retry mode (3 attempts with jittered backoff), which `AWS_MAX_ATTEMPTS`
/// and `AWS_RETRY_MODE` adjust as for the AWS CLI.
#[derive(Clone)]
pub struct Aws {
    config: SdkConfig,
    custom_endpoint: bool,
}

impl Aws {
    /// Loads the admin configuration from the standard chain and the flags.
    pub async fn load(global: &GlobalArgs) -> Self {
        let region = RegionProviderChain::first_try(global.region.clone().map(Region::new))
            .or_default_provider()
            .or_else(Region::from_static(FALLBACK_REGION));
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).region(region).timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            );
        if let Some(profile) = &global.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &global.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config = loader.load().await;
        let custom_endpoint = config.endpoint_url().is_some();
        Self { config, custom_endpoint }
    }

    /// The same configuration, signing with a given access key instead.
    pub fn with_key(&self, access_key_id: &str, secret: &Secret) -> Self {
        let credentials =
            Credentials::new(access_key_id, secret.expose(), None, None, "xplenty-s3 new key");
        let config = self
            .config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
        Self { config, custom_endpoint: self.custom_endpoint }
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }

    /// An S3 client signing for `region`. Against a custom endpoint (an
    /// S3-compatible server) buckets are addressed path-style, since such
    /// servers rarely have wildcard DNS for virtual-hosted names.
    pub fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.config)
            .region(Region::new(region.to_owned()))
            .force_path_style(self.custom_endpoint)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// The region IAM, STS and the first bucket look-up are signed for.
    pub fn home_region(&self) -> &str {
        self.config.region().map_or(FALLBACK_REGION, Region::as_ref)
    }
}
