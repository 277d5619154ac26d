//! Runtime state of a category: pins (lock-free) and runtime registrations (behind a lock that the
//! table path never takes).

use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::sync::{PoisonError, RwLock};

use super::{Category, Factory, FactoryError, FactoryErrorKind};
use crate::{ConfigError, ImplementationInfo, ModelEndpointInfo};

/// Constructor of a runtime-registered implementation.
pub type RegisteredConstructor<C> = fn(&ModelEndpointInfo) -> Result<Box<<C as Category>::Registered>, ConfigError>;

struct Registration<C: Category> {
    name: String,
    class_name: &'static str,
    description: &'static str,
    metadata: &'static C::Metadata,
    constructor: RegisteredConstructor<C>,
}

/// Runtime registrations of one category, and access to its pins ([`Category::pins`]); generated
/// code declares one `static` per category.
pub struct FactoryState<C: Category> {
    registered: RwLock<Vec<Registration<C>>>,
    _category: PhantomData<fn() -> C>,
}

impl<C: Category> FactoryState<C> {
    /// A state with no registrations.
    #[allow(clippy::new_without_default)] // `const`, for a `static`.
    pub const fn new() -> Self {
        Self { registered: RwLock::new(Vec::new()), _category: PhantomData }
    }

    #[inline]
    pub(crate) fn pinned_index(&self, name_index: usize) -> Option<usize> {
        match C::pins()[name_index].load(Ordering::Acquire) {
            0 => None,
            pin => Some(usize::from(pin) - 1),
        }
    }

    /// Sets a pin and returns the previous raw value.
    pub(crate) fn set_pin(&self, name_index: usize, impl_index: Option<usize>) -> u16 {
        let raw = impl_index.map_or(0, |i| u16::try_from(i + 1).expect("fewer than 65535 implementations"));
        C::pins()[name_index].swap(raw, Ordering::AcqRel)
    }

    fn restore_pin(&self, name_index: usize, raw: u16) {
        C::pins()[name_index].store(raw, Ordering::Release);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Registration<C>>> {
        // A panic while holding the lock cannot leave the Vec half-updated (push is atomic for us).
        self.registered.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn register(
        &self,
        name: &str,
        class_name: &'static str,
        description: &'static str,
        metadata: &'static C::Metadata,
        constructor: RegisteredConstructor<C>,
    ) -> Result<(), FactoryError> {
        let mut registered = self.registered.write().unwrap_or_else(PoisonError::into_inner);
        if registered.iter().any(|r| r.name == name) {
            return Err(
                FactoryErrorKind::AlreadyDefined { category: C::CATEGORY, name: name.to_owned(), by: "an earlier registration" }.into()
            );
        }
        registered.push(Registration { name: name.to_owned(), class_name, description, metadata, constructor });
        Ok(())
    }

    pub(crate) fn is_registered(&self, name: &str) -> bool {
        self.read().iter().any(|r| r.name == name)
    }

    pub(crate) fn registered_names(&self) -> Vec<String> {
        self.read().iter().map(|r| r.name.clone()).collect()
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn create_registered(&self, name: &str, info: &ModelEndpointInfo) -> Result<C::Instance, FactoryError> {
        let found = self.read().iter().find(|r| r.name == name).map(|r| (r.constructor, r.class_name));
        let Some((constructor, class_name)) = found else {
            return Err(Factory::<C>::unknown_name(name));
        };
        constructor(info).map(C::from_registered).map_err(|source| {
            FactoryErrorKind::Create { category: C::CATEGORY, name: name.to_owned(), implementation: class_name, source }.into()
        })
    }

    pub(crate) fn list_registered(&self, name: &str) -> Result<Vec<ImplementationInfo>, FactoryError> {
        let registered = self.read();
        let r = registered.iter().find(|r| r.name == name).ok_or_else(|| Factory::<C>::unknown_name(name))?;
        Ok(vec![ImplementationInfo {
            name: r.name.clone(),
            class_name: r.class_name,
            type_path: r.class_name,
            description: r.description,
            is_plugin: false,
            is_registered: true,
            plugin: None,
            crate_info: None,
            priority: 0,
            is_selected: true,
            is_default: true,
        }])
    }

    pub(crate) fn registered_metadata(&self, name: &str) -> Result<&'static C::Metadata, FactoryError> {
        self.read().iter().find(|r| r.name == name).map(|r| r.metadata).ok_or_else(|| Factory::<C>::unknown_name(name))
    }
}

/// Restores the pin a name had before [`Factory::scoped_implementation`] when dropped.
#[must_use = "the pin is undone as soon as the guard drops"]
pub struct PinGuard<C: Category> {
    name_index: usize,
    previous: u16,
    _category: PhantomData<fn() -> C>,
}

impl<C: Category> PinGuard<C> {
    pub(crate) fn new(name_index: usize, impl_index: Option<usize>) -> Self {
        let previous = C::state().set_pin(name_index, impl_index);
        Self { name_index, previous, _category: PhantomData }
    }
}

impl<C: Category> Drop for PinGuard<C> {
    fn drop(&mut self) {
        C::state().restore_pin(self.name_index, self.previous);
    }
}
