//! Stopping, starting, restart policies and one-off containers. A stop's client timeout is the
//! grace period plus the ordinary timeout, so a slow, clean shutdown is never cut short by the
//! client; every container lifeboat creates is logged with its image.

use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, ContainerUpdateBody, HostConfig, RestartPolicy, RestartPolicyNameEnum,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    StartContainerOptions, StopContainerOptionsBuilder, WaitContainerOptions,
};
use futures_util::StreamExt;

use super::client::Bollard;
use super::types::OneOff;
use crate::engine::error::{Error, Result};

impl Bollard {
    /// Stops `container`, waiting up to `grace` for it to exit before the engine kills it.
    pub(super) async fn stop_container(&self, container: &str, grace: Duration) -> Result<()> {
        let secs = i32::try_from(grace.as_secs()).unwrap_or(i32::MAX);
        let opts = StopContainerOptionsBuilder::default().t(secs).build();
        match self
            .patient(grace)
            .stop_container(container, Some(opts))
            .await
        {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(e) => Err(self.fail("stop", container, &e)),
        }
    }

    pub(super) async fn start_container(&self, container: &str) -> Result<()> {
        match self
            .api
            .start_container(container, None::<StartContainerOptions>)
            .await
        {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(e) => Err(self.fail("start", container, &e)),
        }
    }

    /// Sets the restart policy (`no`, `always`, `unless-stopped`, `on-failure[:N]`).
    pub(super) async fn update_policy(&self, container: &str, policy: &str) -> Result<()> {
        let (policy, retries) = match policy.split_once(':') {
            Some((p, n)) => (p, n.parse::<i64>().ok()),
            None => (policy, None),
        };
        let name = match policy {
            "no" | "" => RestartPolicyNameEnum::NO,
            "always" => RestartPolicyNameEnum::ALWAYS,
            "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
            "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
            other => {
                return Err(Error::Docker(format!(
                    "docker: restart policy {other:?} is not one Docker knows"
                )));
            }
        };
        let body = ContainerUpdateBody {
            restart_policy: Some(RestartPolicy {
                name: Some(name),
                maximum_retry_count: retries,
            }),
            ..Default::default()
        };
        self.api
            .update_container(container, body)
            .await
            .map_err(|e| self.fail("set the restart policy of", container, &e))
    }

    /// Creates (does not start) a container, and logs the image it is created from.
    pub(super) async fn create_oneoff(&self, spec: &OneOff) -> Result<String> {
        let body = ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: (!spec.cmd.is_empty()).then(|| spec.cmd.clone()),
            entrypoint: spec.entrypoint.clone(),
            user: spec.user.clone(),
            labels: Some(spec.labels.iter().cloned().collect()),
            network_disabled: Some(true),
            host_config: Some(HostConfig {
                binds: Some(spec.binds.clone()),
                network_mode: Some("none".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let opts = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        let created = self
            .api
            .create_container(Some(opts), body)
            .await
            .map_err(|e| self.fail("create", &spec.name, &e))?;
        tracing::info!(target: "lifeboat::docker::image", container = %spec.name, image = %spec.image, id = %created.id, "created a container from an image");
        Ok(created.id)
    }

    /// Removes a container (and its anonymous volumes), whatever its state.
    pub(super) async fn remove_container(&self, container: &str) -> Result<()> {
        let opts = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match self.api.remove_container(container, Some(opts)).await {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(self.fail("remove", container, &e)),
        }
    }

    /// Starts a created container and waits for it (at most `limit`): its exit code and the
    /// end of its output.
    pub(super) async fn start_and_wait(
        &self,
        name: &str,
        limit: Duration,
    ) -> Result<(i64, String)> {
        self.start_container(name).await?;
        let api = self.patient(limit);
        let mut wait = api.wait_container(name, None::<WaitContainerOptions>);
        let code = match tokio::time::timeout(limit, wait.next()).await {
            Err(_) => {
                return Err(Error::Docker(format!(
                    "docker: one-off container {name} did not finish within {} s",
                    limit.as_secs()
                )));
            }
            Ok(Some(Ok(r))) => r.status_code,
            // A non-zero exit comes back as an error carrying the code.
            Ok(Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. }))) => code,
            Ok(Some(Err(e))) => return Err(self.fail("wait for", name, &e)),
            Ok(None) => -1,
        };
        let opts = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .tail("20")
            .build();
        let mut logs = self.api.logs(name, Some(opts));
        let mut text = String::new();
        while let Some(Ok(chunk)) = logs.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        }
        Ok((code, text))
    }
}

impl Bollard {
    /// Every container labelled `lifeboat.oneoff`, by name.
    pub(super) async fn list_oneoffs(&self) -> Result<Vec<String>> {
        let filters =
            std::collections::HashMap::from([("label", vec!["lifeboat.oneoff".to_string()])]);
        let opts = bollard::query_parameters::ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&filters)
            .build();
        let list = self
            .api
            .list_containers(Some(opts))
            .await
            .map_err(|e| Error::Docker(format!("docker: list one-off containers: {e}")))?;
        Ok(list
            .into_iter()
            .filter_map(|c| {
                c.names
                    .unwrap_or_default()
                    .into_iter()
                    .next()
                    .map(|n| n.trim_start_matches('/').to_string())
            })
            .collect())
    }
}
