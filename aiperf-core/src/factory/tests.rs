//! The factory over a small hand-written category (the generated ones are tested in the root crate).

use super::*;
use crate::CrateInfo;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Name {
    Chat,
    Rankings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Impl {
    Fast,
    Plain,
    Rank,
}

#[derive(Debug)]
enum Instance {
    Table(Impl),
    Registered(Box<str>),
}

struct Test;

static ORIGIN_PLUGIN: CrateInfo = CrateInfo { name: "fast-crate", version: "1.0.0", plugin: Some("fast"), description: "test" };
static ORIGIN_BUILTIN: CrateInfo = CrateInfo { name: "builtin-crate", version: "1.0.0", plugin: None, description: "test" };
static IMPLS: [ImplDescriptor<Name, Impl>; 3] = [
    desc(Impl::Fast, Name::Chat, "FastChat", &ORIGIN_PLUGIN),
    desc(Impl::Plain, Name::Chat, "PlainChat", &ORIGIN_BUILTIN),
    desc(Impl::Rank, Name::Rankings, "Rank", &ORIGIN_BUILTIN),
];
static NAMES: [NameEntry<Test>; 2] = [
    NameEntry { name: Name::Chat, text: "chat", default: Impl::Fast, metadata: "chat-meta" },
    NameEntry { name: Name::Rankings, text: "rankings", default: Impl::Rank, metadata: "rank-meta" },
];

const fn desc(implementation: Impl, name: Name, class_name: &'static str, origin: &'static CrateInfo) -> ImplDescriptor<Name, Impl> {
    ImplDescriptor { implementation, name, class_name, type_path: class_name, description: "test", priority: 0, origin }
}

impl Category for Test {
    const CATEGORY: &'static str = "endpoint";
    type Name = Name;
    type Impl = Impl;
    type Metadata = &'static str;
    type Instance = Instance;
    type Registered = str;

    fn names() -> &'static [NameEntry<Self>] {
        &NAMES
    }
    fn parse_name(name: &str) -> Option<Name> {
        match name {
            "chat" => Some(Name::Chat),
            "rankings" => Some(Name::Rankings),
            _ => None,
        }
    }
    fn name_index(name: Name) -> usize {
        name as usize
    }
    fn implementations() -> &'static [ImplDescriptor<Name, Impl>] {
        &IMPLS
    }
    fn impl_index(imp: Impl) -> usize {
        imp as usize
    }
    fn construct(imp: Impl, info: &ModelEndpointInfo) -> Result<Instance, ConfigError> {
        info.primary_model()?;
        Ok(Instance::Table(imp))
    }
    fn from_registered(instance: Box<str>) -> Instance {
        Instance::Registered(instance)
    }
}

impl<'a> NameArg<'a, Test> for Name {
    fn name_ref(self) -> NameRef<'a, Test> {
        NameRef::Table(self)
    }
}

impl<'a> ImplArg<'a, Test> for Impl {
    fn impl_index(self, _: Name) -> Result<usize, FactoryError> {
        Ok(self as usize)
    }
}

type F = Factory<Test>;

/// What an explicit selection creates for `name` (no global state: tests run in parallel).
fn created_with(selection: &Selection<Test>, name: &str) -> Impl {
    match selection.create_instance(name, &ModelEndpointInfo::default()).unwrap() {
        Instance::Table(imp) => imp,
        Instance::Registered(r) => panic!("expected a table instance, got {r}"),
    }
}

fn created(name: &str) -> Impl {
    created_with(&Selection::new(), name)
}

#[test]
fn default_follows_the_table() {
    assert_eq!(created("chat"), Impl::Fast);
    let rankings = Selection::<Test>::new().create_instance(Name::Rankings, &ModelEndpointInfo::default());
    assert!(matches!(rankings, Ok(Instance::Table(Impl::Rank))));
}

#[test]
fn a_selection_pins_by_enum_and_by_type_name() {
    let mut selection = Selection::<Test>::new();
    selection.use_implementation(Name::Chat, Impl::Plain).unwrap();
    assert_eq!(created_with(&selection, "chat"), Impl::Plain);
    selection.use_implementation("chat", "FastChat").unwrap();
    assert_eq!(created_with(&selection, "chat"), Impl::Fast);
    assert_eq!(created("chat"), Impl::Fast, "another selection is untouched");
}

#[test]
fn a_scoped_pin_is_a_copy_and_the_factory_keeps_the_table_choice() {
    let mut selection = Selection::<Test>::new();
    selection.use_implementation(Name::Chat, Impl::Plain).unwrap();
    {
        let scoped = selection.with_implementation("chat", "FastChat").unwrap();
        assert_eq!(scoped.selected(Name::Chat), Impl::Fast);
        assert_eq!(selection.selected(Name::Chat), Impl::Plain, "the copy is pinned, not the original");
    }
    selection.reset_implementation("chat").unwrap();
    assert_eq!(selection.selected(Name::Chat), Impl::Fast);
    assert!(matches!(F::create_instance("chat", &ModelEndpointInfo::default()), Ok(Instance::Table(Impl::Fast))));
    let list = F::list_implementations("chat").unwrap();
    assert!(list[0].is_selected && list[0].is_default, "the factory lists the table's choice first");
}

#[test]
fn listing_puts_the_selected_first() {
    let list = Selection::<Test>::new().list_implementations("chat").unwrap();
    let rows: Vec<_> = list.iter().map(|i| (i.class_name, i.is_plugin, i.is_selected, i.is_default)).collect();
    assert_eq!(rows, [("FastChat", true, true, true), ("PlainChat", false, false, false)]);
    assert_eq!(list[0].crate_info.map(|c| (c.name, c.version)), Some(("fast-crate", "1.0.0")));
    assert!(!list[0].is_registered);
    let mut selection = Selection::<Test>::new();
    selection.use_implementation(Name::Chat, Impl::Plain).unwrap();
    let list = selection.list_implementations(Name::Chat).unwrap();
    let rows: Vec<_> = list.iter().map(|i| (i.class_name, i.is_selected, i.is_default)).collect();
    assert_eq!(rows, [("PlainChat", true, false), ("FastChat", false, true)]);
}

#[test]
fn unknown_name_suggests_the_closest() {
    let err = F::create_instance("caht", &ModelEndpointInfo::default()).unwrap_err();
    assert!(err.to_string().starts_with("unknown endpoint 'caht'; did you mean 'chat'? valid: chat, rankings"), "{err}");
    let err = F::list_implementations("audio").unwrap_err();
    assert!(err.to_string().starts_with("unknown endpoint 'audio'; valid: chat, rankings"), "{err}");
}

#[test]
fn pin_errors_name_what_is_valid() {
    let mut selection = Selection::<Test>::new();
    let err = selection.use_implementation("chat", "Rank").unwrap_err();
    assert_eq!(err.to_string(), "Rank implements endpoint 'rankings', not 'chat'; implementations of 'chat': FastChat, PlainChat");
    let err = selection.use_implementation("chat", "SlowChat").unwrap_err();
    assert!(err.to_string().starts_with("unknown implementation 'SlowChat' of endpoint 'chat'; compiled in: FastChat, PlainChat"), "{err}");
    let err = selection.use_implementation("chta", "FastChat").unwrap_err();
    assert!(matches!(err.kind(), FactoryErrorKind::UnknownName { suggestion, .. } if suggestion.as_deref() == Some("chat")));
    assert_eq!(created_with(&selection, "chat"), Impl::Fast, "a failed pin changes nothing");
}

#[test]
fn create_errors_carry_the_config_error() {
    let info = ModelEndpointInfo { model_names: vec![], ..ModelEndpointInfo::default() };
    let err = F::create_instance(Name::Rankings, &info).unwrap_err();
    assert!(matches!(err.kind(), FactoryErrorKind::Create { source: ConfigError::MissingModel, .. }));
    assert!(err.to_string().starts_with("cannot create endpoint 'rankings' (Rank): no model name given"), "{err}");
}

fn make_custom(_: &ModelEndpointInfo) -> Result<Box<str>, ConfigError> {
    Ok("custom".into())
}

#[test]
fn runtime_registration_is_consulted_on_a_miss() {
    let mut selection = Selection::<Test>::new();
    let err = selection.register("chat", "Mine", "d", &"m", make_custom).unwrap_err();
    assert!(matches!(err.kind(), FactoryErrorKind::AlreadyDefined { by: "the implementation table", .. }));
    selection.register("custom", "Custom", "a test registration", &"custom-meta", make_custom).unwrap();
    let err = selection.register("custom", "Custom", "d", &"m", make_custom).unwrap_err();
    assert!(matches!(err.kind(), FactoryErrorKind::AlreadyDefined { by: "an earlier registration", .. }));
    let created = selection.create_instance("custom", &ModelEndpointInfo::default());
    assert!(matches!(created, Ok(Instance::Registered(ref s)) if &**s == "custom"));
    assert_eq!(*selection.metadata("custom").unwrap(), "custom-meta");
    assert_eq!(*selection.metadata(Name::Chat).unwrap(), "chat-meta");
    let list = selection.list_implementations("custom").unwrap();
    assert_eq!((list[0].class_name, list[0].is_selected, list[0].is_registered, list[0].is_plugin), ("Custom", true, true, false));
    assert!(selection.names().contains(&"custom".to_owned()));
    let pin = selection.use_implementation("custom", "Custom");
    assert!(matches!(pin, Err(ref e) if matches!(e.kind(), FactoryErrorKind::NotInTable { .. })));
    let err = Selection::<Test>::new().create_instance("custom", &ModelEndpointInfo::default()).unwrap_err();
    assert!(err.to_string().starts_with("unknown endpoint 'custom'"), "another selection has no such name: {err}");
    assert!(F::create_instance("custom", &ModelEndpointInfo::default()).is_err(), "nor has the table");
}
