//! [`Selections`]: the run-time choice of implementations a run resolves its names with, given
//! by the program driving the engine (with its own registrations), and `--use` pins on top for
//! one run only (a copy: nothing outside the run changes).

use aiperf_core::{Category, Factories, ModelEndpointInfo, Selection};

use super::Pin;
use crate::ProfileError;

/// The choices of implementations for both categories of a build's table `F`.
pub struct Selections<F: Factories> {
    /// Endpoint implementations, and endpoints registered at run time.
    pub endpoints: Selection<F::Endpoints>,
    /// Transport implementations, and transports registered at run time.
    pub transports: Selection<F::Transports>,
    /// Arrival patterns.
    pub arrival_patterns: Selection<F::ArrivalPatterns>,
    /// Dataset loaders (`--custom-dataset-type` of a single-turn file).
    pub dataset_loaders: Selection<F::DatasetLoaders>,
    /// Exporters (every name's selected one writes its files).
    pub exporters: Selection<F::Exporters>,
}

impl<F: Factories> Default for Selections<F> {
    /// The table's choices, nothing registered.
    fn default() -> Self {
        Self {
            endpoints: Selection::new(),
            transports: Selection::new(),
            arrival_patterns: Selection::new(),
            dataset_loaders: Selection::new(),
            exporters: Selection::new(),
        }
    }
}

impl<F: Factories> Clone for Selections<F> {
    fn clone(&self) -> Self {
        Self {
            endpoints: self.endpoints.clone(),
            transports: self.transports.clone(),
            arrival_patterns: self.arrival_patterns.clone(),
            dataset_loaders: self.dataset_loaders.clone(),
            exporters: self.exporters.clone(),
        }
    }
}

impl<F: Factories> std::fmt::Debug for Selections<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selections")
            .field("endpoints", &self.endpoints)
            .field("transports", &self.transports)
            .field("arrival_patterns", &self.arrival_patterns)
            .field("dataset_loaders", &self.dataset_loaders)
            .field("exporters", &self.exporters)
            .finish()
    }
}

impl<F: Factories> Selections<F> {
    /// Every exporter, each name's selected implementation: all of them write when a run ends.
    ///
    /// # Errors
    /// An exporter that cannot be created from `info`.
    pub fn exporters(&self, info: &ModelEndpointInfo) -> Result<Vec<<F::Exporters as Category>::Instance>, ProfileError> {
        self.exporters.names().iter().map(|name| Ok(self.exporters.create_instance(name, info)?)).collect()
    }

    /// A copy with `pins` applied (a name is looked up among endpoints, arrival patterns,
    /// dataset loaders, exporters, then transports, whose errors list the valid names): a run's `--use`.
    ///
    /// # Errors
    /// An unknown name or implementation.
    pub fn with_pins(&self, pins: &[Pin]) -> Result<Self, ProfileError> {
        let mut selections = self.clone();
        for Pin { name, implementation } in pins {
            if <F::Endpoints as Category>::parse_name(name).is_some() {
                selections.endpoints.use_implementation(name, implementation)?;
            } else if <F::ArrivalPatterns as Category>::parse_name(name).is_some() {
                selections.arrival_patterns.use_implementation(name, implementation)?;
            } else if <F::DatasetLoaders as Category>::parse_name(name).is_some() {
                selections.dataset_loaders.use_implementation(name, implementation)?;
            } else if <F::Exporters as Category>::parse_name(name).is_some() {
                selections.exporters.use_implementation(name, implementation)?;
            } else {
                selections.transports.use_implementation(name, implementation)?;
            }
        }
        Ok(selections)
    }
}
