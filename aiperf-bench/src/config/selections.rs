//! [`Selections`]: the run-time choice of implementations a run resolves its names with, given
//! by the program driving the engine (with its own registrations), and `--use` pins on top for
//! one run only (a copy: nothing outside the run changes).

use aiperf_core::{Category, Factories, Selection};

use super::Pin;
use crate::ProfileError;

/// The choices of implementations for both categories of a build's table `F`.
pub struct Selections<F: Factories> {
    /// Endpoint implementations, and endpoints registered at run time.
    pub endpoints: Selection<F::Endpoints>,
    /// Transport implementations, and transports registered at run time.
    pub transports: Selection<F::Transports>,
}

impl<F: Factories> Default for Selections<F> {
    /// The table's choices, nothing registered.
    fn default() -> Self {
        Self { endpoints: Selection::new(), transports: Selection::new() }
    }
}

impl<F: Factories> Clone for Selections<F> {
    fn clone(&self) -> Self {
        Self { endpoints: self.endpoints.clone(), transports: self.transports.clone() }
    }
}

impl<F: Factories> std::fmt::Debug for Selections<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selections").field("endpoints", &self.endpoints).field("transports", &self.transports).finish()
    }
}

impl<F: Factories> Selections<F> {
    /// A copy with `pins` applied (endpoint names first, then transport names): a run's `--use`.
    ///
    /// # Errors
    /// An unknown name or implementation.
    pub fn with_pins(&self, pins: &[Pin]) -> Result<Self, ProfileError> {
        let mut selections = self.clone();
        for Pin { name, implementation } in pins {
            if <F::Endpoints as Category>::parse_name(name).is_some() {
                selections.endpoints.use_implementation(name, implementation)?;
            } else {
                selections.transports.use_implementation(name, implementation)?;
            }
        }
        Ok(selections)
    }
}
