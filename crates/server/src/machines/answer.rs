//! The HTTP form of an activation, the one thing both doors (the software's and the
//! operator's) answer alike: 201 for a new machine, 200 for one that held the license.

use entitle_domain::api::Activation;
use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;

/// An activation: new, or the machine held the license already.
#[derive(ApiResponse)]
pub enum Activated {
    /// The machine now holds the license; its license file is in the answer.
    #[oai(status = 201)]
    Created(Json<Activation>),
    /// The machine held the license already; a fresh license file is in the answer.
    #[oai(status = 200)]
    Again(Json<Activation>),
}

impl From<super::activation::Activated> for Activated {
    fn from(done: super::activation::Activated) -> Self {
        if done.created {
            Activated::Created(Json(done.activation))
        } else {
            Activated::Again(Json(done.activation))
        }
    }
}
