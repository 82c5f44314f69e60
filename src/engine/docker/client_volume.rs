//! Named volumes: their labels (recorded in a backup) and recreating one a restore finds
//! deleted, under its exact name and with the labels it had, so the stack's own tooling
//! (compose, or a script that checks labels) takes it back as its own.

use std::collections::{BTreeMap, HashMap};

use bollard::models::VolumeCreateRequest;

use super::client::Bollard;
use crate::engine::error::Result;

impl Bollard {
    /// A volume's labels; `Ok(None)` if there is no volume of that name.
    pub(super) async fn inspect_volume(
        &self,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>> {
        match self.api.inspect_volume(name).await {
            Ok(v) => Ok(Some(v.labels.into_iter().collect())),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(e) => Err(self.fail("inspect volume", name, &e)),
        }
    }

    /// Creates volume `name` with `labels` (local driver).
    pub(super) async fn make_volume(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<()> {
        let req = VolumeCreateRequest {
            name: Some(name.to_string()),
            labels: Some(labels.clone().into_iter().collect::<HashMap<_, _>>()),
            ..Default::default()
        };
        self.api
            .create_volume(req)
            .await
            .map(|_| ())
            .map_err(|e| self.fail("create volume", name, &e))?;
        tracing::info!(volume = name, "created a volume");
        Ok(())
    }

    /// Removes volume `name` (it must be unused).
    pub(super) async fn drop_volume(&self, name: &str) -> Result<()> {
        self.api
            .remove_volume(name, None::<bollard::query_parameters::RemoveVolumeOptions>)
            .await
            .map_err(|e| self.fail("remove volume", name, &e))
    }
}
