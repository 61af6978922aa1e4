//! Who is acting: the signed-in person (or token) a service records in the audit log.

use carelog_domain::role::Role;

#[derive(Debug, Clone)]
pub struct Actor {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The client address the request came from, for the audit log.
    pub address: String,
}
