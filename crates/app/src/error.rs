//! The service layer's one error type; each front-end maps it to its own answer (a page, JSON,
//! an OperationOutcome or a message on the terminal).

use carelog_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Nothing there, or out of the actor's reach: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// The actor's role does not reach this.
    #[error("forbidden")]
    Forbidden,
    /// The request breaks a rule the person can act on; nothing was changed.
    #[error("{0}")]
    Refused(String),
    /// Something inside carelog failed (not the request's fault); logged, never shown.
    #[error("internal: {0}")]
    Internal(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type ServiceResult<T> = Result<T, ServiceError>;
