//! The arrival-pattern contract: how requests are spread in time at a request rate
//! (`--arrival-pattern`), a category of the implementation table like endpoints and transports.

/// Spreads arrivals at a mean rate: the gap before each next request.
pub trait ArrivalPattern: Send + Sync {
    /// Seconds from one arrival to the next at a mean of `rate` per second (finite, 0 or more).
    /// `uniform` draws the run's seeded random numbers in `[0, 1)`, as many as the pattern needs,
    /// so a run with one seed sends at the same times.
    fn gap(&self, rate: f64, uniform: &mut dyn FnMut() -> f64) -> f64;
}
