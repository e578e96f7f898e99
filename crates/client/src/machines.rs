//! Machines and license files (issue 22): the hosts a bound license is activated on, an
//! operator's activation of an air-gapped one (with its signed file), and the files a renewal
//! left stale.

use entitle_domain::api::machines::{
    Activation, Machine, MachineInput, MachineList, StaleFileList,
};
use uuid::Uuid;

use crate::{Client, ClientError};

impl Client {
    /// `GET /v1/licenses/{id}/machines`, newest first.
    pub async fn list_machines(&self, license_id: Uuid) -> Result<MachineList, ClientError> {
        self.get(&format!("/v1/licenses/{license_id}/machines"))
            .await
    }

    /// `POST /v1/licenses/{id}/machines`: activates the license on the machine `input`
    /// describes and hands back its signed license file (the same fingerprint again answers
    /// the same machine with a fresh file).
    pub async fn activate_machine(
        &self,
        license_id: Uuid,
        input: &MachineInput,
    ) -> Result<Activation, ClientError> {
        self.post(&format!("/v1/licenses/{license_id}/machines"), input)
            .await
    }

    /// `DELETE /v1/licenses/{id}/machines/{machine_id}`: the machine, released.
    pub async fn release_machine(
        &self,
        license_id: Uuid,
        machine_id: Uuid,
    ) -> Result<Machine, ClientError> {
        self.delete(&format!("/v1/licenses/{license_id}/machines/{machine_id}"))
            .await
    }

    /// `GET /v1/accounts/{id}/license-files?stale=true`: the machines whose latest license
    /// file predates their license's validity.
    pub async fn stale_license_files(
        &self,
        account_id: Uuid,
    ) -> Result<StaleFileList, ClientError> {
        self.get_page(
            &format!("/v1/accounts/{account_id}/license-files"),
            &[("stale", "true".to_owned())],
        )
        .await
    }
}
