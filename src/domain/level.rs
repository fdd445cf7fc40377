//! Incident classification (SPEC 2; 資通安全事件通報應變及演練辦法 第2條).
//!
//! An impact is (kind, asset class, severity). The level of one impact is read
//! from the regulation's table; an incident's level is the highest level among
//! its impacts. [`classify`] also names which impact decided the level and the
//! regulation's sentence for it, so the UI can show *why* a level was reached.
//!
//! Wording: SPEC 7 asks for the current (2026-01-05) text of the Regulations,
//! which names "一般公務機密" and core information or systems involving critical
//! infrastructure for levels 3–4 (the older "敏感資訊" is no longer listed), and
//! speaks of *systems* (資通系統) for availability impacts.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

use crate::i18n::Text;

/// What an impact did: the three security properties.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ImpactKind {
    /// 洩漏: confidentiality.
    Leak,
    /// 竄改: integrity.
    Tamper,
    /// 運作受影響或停頓: availability.
    Disruption,
}

impl ImpactKind {
    pub const ALL: [ImpactKind; 3] = [ImpactKind::Leak, ImpactKind::Tamper, ImpactKind::Disruption];

    pub fn label(self) -> Text {
        Text::key(match self {
            ImpactKind::Leak => "impact.leak",
            ImpactKind::Tamper => "impact.tamper",
            ImpactKind::Disruption => "impact.disruption",
        })
    }

    /// The severity as the filing form offers it: for a disruption "於可容忍中斷時間內回復" or
    /// "未於可容忍中斷時間內回復" (art. 2), never 輕微/嚴重.
    pub fn severity_choice_key(self, severe: bool) -> &'static str {
        match (self, severe) {
            (ImpactKind::Disruption, false) => "impact.choice.restored_in_time",
            (ImpactKind::Disruption, true) => "impact.choice.not_restored_in_time",
            (_, false) => "impact.minor",
            (_, true) => "impact.severe",
        }
    }

    /// The two severities in this kind's own words: leak and tamper are minor
    /// (輕微) or severe (嚴重); a disruption is restored within the tolerable
    /// downtime or not.
    pub fn severity_label(self, severe: bool) -> Text {
        Text::key(match (self, severe) {
            (ImpactKind::Disruption, false) => "impact.severity.restored_in_time",
            (ImpactKind::Disruption, true) => "impact.severity.not_restored_in_time",
            (_, false) => "impact.severity.minor",
            (_, true) => "impact.severity.severe",
        })
    }
}

/// The asset class an impact concerns, in ascending order of gravity
/// (the derived `Ord` follows declaration order, which the table relies on).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AssetClass {
    /// 非核心業務資訊或非核心資通系統.
    NonCore,
    /// 未涉及關鍵基礎設施維運之核心業務資訊或核心資通系統.
    Core,
    /// 一般公務機密、涉及關鍵基礎設施維運之核心業務資訊或核心資通系統.
    /// For a disruption only the critical-infrastructure core systems apply:
    /// secrets are not "operated", so their availability is not a level cell.
    Sensitive,
    /// 國家機密: leak or tamper only.
    NationalSecret,
}

impl AssetClass {
    pub const ALL: [AssetClass; 4] = [
        AssetClass::NonCore,
        AssetClass::Core,
        AssetClass::Sensitive,
        AssetClass::NationalSecret,
    ];

    pub fn label(self) -> Text {
        Text::key(match self {
            AssetClass::NonCore => "asset.non_core",
            AssetClass::Core => "asset.core",
            AssetClass::Sensitive => "asset.sensitive",
            AssetClass::NationalSecret => "asset.national_secret",
        })
    }

    /// The class as the regulation names it for one kind of impact
    /// (information for a leak, information or systems for tampering,
    /// the operation of systems for a disruption). `None` for the one
    /// combination the regulation does not have: disruption of national secrets.
    pub fn label_for(self, kind: ImpactKind) -> Option<Text> {
        let key = match (kind, self) {
            (ImpactKind::Leak, AssetClass::NonCore) => "asset.for.leak.non_core",
            (ImpactKind::Leak, AssetClass::Core) => "asset.for.leak.core",
            (ImpactKind::Leak, AssetClass::Sensitive) => "asset.for.leak.sensitive",
            (ImpactKind::Tamper, AssetClass::NonCore) => "asset.for.tamper.non_core",
            (ImpactKind::Tamper, AssetClass::Core) => "asset.for.tamper.core",
            (ImpactKind::Tamper, AssetClass::Sensitive) => "asset.for.tamper.sensitive",
            (ImpactKind::Leak | ImpactKind::Tamper, AssetClass::NationalSecret) => {
                "asset.for.leak_or_tamper.national_secret"
            }
            (ImpactKind::Disruption, AssetClass::NonCore) => "asset.for.disruption.non_core",
            (ImpactKind::Disruption, AssetClass::Core) => "asset.for.disruption.core",
            (ImpactKind::Disruption, AssetClass::Sensitive) => "asset.for.disruption.sensitive",
            (ImpactKind::Disruption, AssetClass::NationalSecret) => return None,
        };
        Some(Text::key(key))
    }
}

/// One effect of the incident. For a disruption, `severe` means the system
/// was NOT restored within its tolerable downtime (無法於可容忍中斷時間內回復).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct Impact {
    pub kind: ImpactKind,
    pub asset: AssetClass,
    pub severe: bool,
}

/// Incident level 1–4. Serialized as the bare integer, as everyone says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentLevel {
    L1,
    L2,
    L3,
    L4,
}

impl IncidentLevel {
    pub const ALL: [IncidentLevel; 4] = [
        IncidentLevel::L1,
        IncidentLevel::L2,
        IncidentLevel::L3,
        IncidentLevel::L4,
    ];

    pub fn number(self) -> u8 {
        match self {
            IncidentLevel::L1 => 1,
            IncidentLevel::L2 => 2,
            IncidentLevel::L3 => 3,
            IncidentLevel::L4 => 4,
        }
    }

    pub fn from_number(n: u8) -> Option<Self> {
        match n {
            1 => Some(IncidentLevel::L1),
            2 => Some(IncidentLevel::L2),
            3 => Some(IncidentLevel::L3),
            4 => Some(IncidentLevel::L4),
            _ => None,
        }
    }

    /// Levels 3 and 4 are 重大資通安全事件 and trigger every "L3/4" rule.
    pub fn is_major(self) -> bool {
        self >= IncidentLevel::L3
    }

    /// The level as the regulation's sentence names it ("屬第三級資通安全事件").
    fn in_rule_key(self) -> &'static str {
        match self {
            IncidentLevel::L1 => "rule.level.1",
            IncidentLevel::L2 => "rule.level.2",
            IncidentLevel::L3 => "rule.level.3",
            IncidentLevel::L4 => "rule.level.4",
        }
    }

    pub fn label(self) -> Text {
        Text::key(match self {
            IncidentLevel::L1 => "level.l1",
            IncidentLevel::L2 => "level.l2",
            IncidentLevel::L3 => "level.l3",
            IncidentLevel::L4 => "level.l4",
        })
    }
}

impl fmt::Display for IncidentLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl Serialize for IncidentLevel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for IncidentLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let n = u8::deserialize(deserializer)?;
        IncidentLevel::from_number(n).ok_or_else(|| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Unsigned(n.into()),
                &"an incident level from 1 to 4",
            )
        })
    }
}

/// The result of [`classify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    pub level: IncidentLevel,
    /// Levels 3–4 (重大資通安全事件).
    pub major: bool,
    /// Index into the impacts of the first one that reaches `level`.
    pub deciding_impact: usize,
    /// The regulation's sentence for the deciding impact.
    pub rule: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum ClassifyError {
    #[error("no impact was given: describe at least one impact to classify the incident")]
    NoImpacts,
    /// `index` is 0-based; messages count from 1 as people do.
    #[error(
        "impact {}: national secrets are classified by leak or tampering only; \
         a disruption cannot concern national secrets",
        .index + 1
    )]
    DisruptionOfNationalSecrets { index: usize },
}

impl ClassifyError {
    pub fn message(&self) -> Text {
        match self {
            ClassifyError::NoImpacts => Text::key("classify.no_impacts"),
            ClassifyError::DisruptionOfNationalSecrets { index } => {
                Text::key("classify.disruption_of_national_secrets").with("number", index + 1)
            }
        }
    }
}

/// The level of a single impact: the table of SPEC 2.
/// Rows are asset classes, columns are minor / severe.
pub fn impact_level(impact: Impact) -> Result<IncidentLevel, ClassifyError> {
    use AssetClass::*;
    use IncidentLevel::*;
    if impact.kind == ImpactKind::Disruption && impact.asset == NationalSecret {
        // Not a cell of the table; the caller adds the index.
        return Err(ClassifyError::DisruptionOfNationalSecrets { index: 0 });
    }
    Ok(match (impact.asset, impact.severe) {
        (NonCore, false) => L1,
        (NonCore, true) => L2,
        (Core, false) => L2,
        (Core, true) => L3,
        (Sensitive, false) => L3,
        (Sensitive, true) => L4,
        // Any leak or tampering of national secrets is level 4.
        (NationalSecret, _) => L4,
    })
}

/// The regulation's sentence for one impact, e.g.
/// "一般公務機密、涉及關鍵基礎設施維運之核心業務資訊遭輕微洩漏，屬第三級資通安全事件".
pub fn rule_sentence(impact: Impact) -> Result<Text, ClassifyError> {
    let level = impact_level(impact)?;
    let subject = impact
        .asset
        .label_for(impact.kind)
        .ok_or(ClassifyError::DisruptionOfNationalSecrets { index: 0 })?;
    let national = impact.asset == AssetClass::NationalSecret;
    let predicate = match (impact.kind, impact.severe) {
        (ImpactKind::Leak, _) if national => "rule.leaked",
        (ImpactKind::Tamper, _) if national => "rule.tampered",
        (ImpactKind::Leak, false) => "rule.leaked_minor",
        (ImpactKind::Leak, true) => "rule.leaked_severe",
        (ImpactKind::Tamper, false) => "rule.tampered_minor",
        (ImpactKind::Tamper, true) => "rule.tampered_severe",
        // Art. 2 I 1: the level-1 disruption "…於可容忍中斷時間內回復正常運作，造成機關日常作業影響".
        (ImpactKind::Disruption, false) if impact.asset == AssetClass::NonCore => {
            "rule.disrupted_restored_daily_work"
        }
        (ImpactKind::Disruption, false) => "rule.disrupted_restored",
        (ImpactKind::Disruption, true) => "rule.disrupted_not_restored",
    };
    Ok(Text::key("rule.sentence")
        .with("subject", subject)
        .with("predicate", Text::key(predicate))
        .with("level", Text::key(level.in_rule_key())))
}

/// Classify an incident: the highest level among its impacts, the first
/// impact that reaches it, and the regulation's sentence for that impact.
pub fn classify(impacts: &[Impact]) -> Result<Classification, ClassifyError> {
    let mut best: Option<(IncidentLevel, usize)> = None;
    for (index, impact) in impacts.iter().enumerate() {
        let level = impact_level(*impact)
            .map_err(|_| ClassifyError::DisruptionOfNationalSecrets { index })?;
        // Strictly greater: ties keep the first impact that reached the level.
        if best.is_none_or(|(max, _)| level > max) {
            best = Some((level, index));
        }
    }
    let (level, deciding_impact) = best.ok_or(ClassifyError::NoImpacts)?;
    let rule = rule_sentence(impacts[deciding_impact]).map_err(|_| {
        ClassifyError::DisruptionOfNationalSecrets {
            index: deciding_impact,
        }
    })?;
    Ok(Classification {
        level,
        major: level.is_major(),
        deciding_impact,
        rule,
    })
}

#[cfg(test)]
mod tests {
    fn zh(t: &Text) -> String {
        crate::i18n::Lang::ZhTw.text(t)
    }
    fn en(t: &Text) -> String {
        crate::i18n::Lang::En.text(t)
    }
    use super::super::test_support::{to_value, Value};
    use super::*;
    use proptest::prelude::*;
    use serde::de::value::{Error as DeError, MapDeserializer, U8Deserializer};
    use serde::de::IntoDeserializer;

    use AssetClass::*;
    use ImpactKind::*;
    use IncidentLevel::*;

    fn imp(kind: ImpactKind, asset: AssetClass, severe: bool) -> Impact {
        Impact {
            kind,
            asset,
            severe,
        }
    }

    /// Every cell of the table in SPEC 2, for all three kinds.
    /// `None` marks the cell the regulation does not have.
    #[test]
    fn every_cell_of_the_level_table() {
        let table: [(AssetClass, bool, [Option<IncidentLevel>; 3]); 8] = [
            // asset, severe, [leak, tamper, disruption]
            (NonCore, false, [Some(L1), Some(L1), Some(L1)]),
            (NonCore, true, [Some(L2), Some(L2), Some(L2)]),
            (Core, false, [Some(L2), Some(L2), Some(L2)]),
            (Core, true, [Some(L3), Some(L3), Some(L3)]),
            (Sensitive, false, [Some(L3), Some(L3), Some(L3)]),
            (Sensitive, true, [Some(L4), Some(L4), Some(L4)]),
            (NationalSecret, false, [Some(L4), Some(L4), None]),
            (NationalSecret, true, [Some(L4), Some(L4), None]),
        ];
        for (asset, severe, levels) in table {
            for (kind, expected) in ImpactKind::ALL.into_iter().zip(levels) {
                let got = classify(&[imp(kind, asset, severe)]);
                match expected {
                    Some(level) => {
                        let c = got.unwrap_or_else(|e| panic!("{kind:?} {asset:?} {severe}: {e}"));
                        assert_eq!(c.level, level, "{kind:?} {asset:?} severe={severe}");
                        assert_eq!(c.major, level.is_major());
                        assert_eq!(c.deciding_impact, 0);
                        let suffix = format!("屬{}資通安全事件", zh(&level.label()));
                        assert!(zh(&c.rule).ends_with(&suffix), "{}", zh(&c.rule));
                    }
                    None => assert_eq!(
                        got,
                        Err(ClassifyError::DisruptionOfNationalSecrets { index: 0 })
                    ),
                }
            }
        }
    }

    #[test]
    fn the_level_1_disruption_sentence_is_the_regulations_in_full() {
        let c = classify(&[imp(Disruption, NonCore, false)]).unwrap();
        assert_eq!(
            zh(&c.rule),
            "非核心資通系統之運作受影響或停頓，於可容忍中斷時間內回復正常運作，造成機關日常作業影響，屬第一級資通安全事件"
        );
        assert!(en(&c.rule).contains("daily work"), "{}", en(&c.rule));
    }

    #[test]
    fn rule_sentences_use_the_current_regulation_wording() {
        let c = classify(&[imp(Leak, Sensitive, false)]).unwrap();
        assert_eq!(
            zh(&c.rule),
            "一般公務機密、涉及關鍵基礎設施維運之核心業務資訊遭輕微洩漏，屬第三級資通安全事件"
        );
        let c = classify(&[imp(Tamper, Core, true)]).unwrap();
        assert_eq!(
            zh(&c.rule),
            "未涉及關鍵基礎設施維運之核心業務資訊或核心資通系統遭嚴重竄改，屬第三級資通安全事件"
        );
        let c = classify(&[imp(Leak, NationalSecret, false)]).unwrap();
        assert_eq!(zh(&c.rule), "國家機密遭洩漏，屬第四級資通安全事件");
        let c = classify(&[imp(Disruption, NonCore, true)]).unwrap();
        assert_eq!(
            zh(&c.rule),
            "非核心資通系統之運作受影響或停頓，無法於可容忍中斷時間內回復正常運作，屬第二級資通安全事件"
        );
        assert!(en(&c.rule).contains("level 2"), "{}", en(&c.rule));
    }

    /// SPEC 2 note: "for disruption, only the critical-infrastructure core applies".
    #[test]
    fn disruption_of_the_sensitive_class_means_the_critical_infrastructure_core_only() {
        for severe in [false, true] {
            let c = classify(&[imp(Disruption, Sensitive, severe)]).unwrap();
            assert!(zh(&c.rule).starts_with("涉及關鍵基礎設施維運之核心資通系統之運作"));
            assert!(!zh(&c.rule).contains("公務機密"), "{}", zh(&c.rule));
            assert!(!en(&c.rule).contains("secrets"), "{}", en(&c.rule));
        }
        let label = Sensitive.label_for(Disruption).unwrap();
        assert!(!zh(&label).contains("公務機密"));
        assert!(zh(&Sensitive.label_for(Leak).unwrap()).contains("一般公務機密"));
        assert_eq!(NationalSecret.label_for(Disruption), None);
    }

    #[test]
    fn no_impacts_is_an_error() {
        assert_eq!(classify(&[]), Err(ClassifyError::NoImpacts));
        assert!(!zh(&ClassifyError::NoImpacts.message()).is_empty());
    }

    #[test]
    fn disruption_of_national_secrets_names_its_index() {
        let impacts = [
            imp(Leak, NonCore, false),
            imp(Tamper, Core, true),
            imp(Disruption, NationalSecret, false),
        ];
        let err = classify(&impacts).unwrap_err();
        assert_eq!(err, ClassifyError::DisruptionOfNationalSecrets { index: 2 });
        assert!(err.to_string().starts_with("impact 3:"), "{err}");
        assert!(
            zh(&err.message()).starts_with("第3項影響"),
            "{}",
            zh(&err.message())
        );
    }

    #[test]
    fn the_first_impact_reaching_the_maximum_decides() {
        let impacts = [
            imp(Leak, NonCore, false),        // L1
            imp(Tamper, Core, true),          // L3
            imp(Leak, Sensitive, true),       // L4
            imp(Leak, NationalSecret, false), // L4 again, later
        ];
        let c = classify(&impacts).unwrap();
        assert_eq!((c.level, c.deciding_impact, c.major), (L4, 2, true));
        assert!(zh(&c.rule).contains("遭嚴重洩漏"));
    }

    #[test]
    fn level_numbers_and_majority() {
        for (n, level) in (1u8..=4).zip(IncidentLevel::ALL) {
            assert_eq!(level.number(), n);
            assert_eq!(IncidentLevel::from_number(n), Some(level));
            assert_eq!(level.is_major(), n >= 3);
        }
        assert_eq!(IncidentLevel::from_number(0), None);
        assert_eq!(IncidentLevel::from_number(5), None);
        assert!(L1 < L2 && L2 < L3 && L3 < L4);
        assert!(NonCore < Core && Core < Sensitive && Sensitive < NationalSecret);
    }

    #[test]
    fn serde_shapes() {
        assert_eq!(to_value(&L3), Value::U64(3));
        assert_eq!(
            to_value(&imp(Disruption, NationalSecret, true)),
            Value::Struct(vec![
                ("kind", Value::Str("disruption".into())),
                ("asset", Value::Str("national_secret".into())),
                ("severe", Value::Bool(true)),
            ])
        );
        assert_eq!(to_value(&NonCore), Value::Str("non_core".into()));
        assert_eq!(to_value(&Leak), Value::Str("leak".into()));

        let d: U8Deserializer<DeError> = 4u8.into_deserializer();
        assert_eq!(IncidentLevel::deserialize(d), Ok(L4));
        let d: U8Deserializer<DeError> = 5u8.into_deserializer();
        assert!(IncidentLevel::deserialize(d).is_err());

        let ok = MapDeserializer::<_, DeError>::new(
            [("kind", "tamper"), ("asset", "core")]
                .into_iter()
                .map(|(k, v)| (k, Value::Str(v.into())))
                .chain([("severe", Value::Bool(false))]),
        );
        assert_eq!(Impact::deserialize(ok), Ok(imp(Tamper, Core, false)));
        let unknown = MapDeserializer::<_, DeError>::new(
            [
                ("kind", Value::Str("tamper".into())),
                ("asset", Value::Str("core".into())),
                ("severe", Value::Bool(false)),
                ("level", Value::U64(4)),
            ]
            .into_iter(),
        );
        assert!(Impact::deserialize(unknown).is_err());
    }

    fn any_kind() -> impl Strategy<Value = ImpactKind> {
        prop::sample::select(ImpactKind::ALL.to_vec())
    }

    fn any_asset() -> impl Strategy<Value = AssetClass> {
        prop::sample::select(AssetClass::ALL.to_vec())
    }

    /// Impacts that exist in the table (no disruption of national secrets).
    fn valid_impact() -> impl Strategy<Value = Impact> {
        (any_kind(), any_asset(), any::<bool>())
            .prop_filter("not a cell of the table", |(k, a, _)| {
                !(*k == Disruption && *a == NationalSecret)
            })
            .prop_map(|(kind, asset, severe)| Impact {
                kind,
                asset,
                severe,
            })
    }

    proptest! {
        #[test]
        fn the_level_is_the_maximum_over_impacts(impacts in prop::collection::vec(valid_impact(), 1..8)) {
            let c = classify(&impacts).unwrap();
            let singles: Vec<IncidentLevel> =
                impacts.iter().map(|i| classify(&[*i]).unwrap().level).collect();
            let max = *singles.iter().max().unwrap();
            prop_assert_eq!(c.level, max);
            let first = singles.iter().position(|l| *l == max).unwrap();
            prop_assert_eq!(c.deciding_impact, first);
            prop_assert_eq!(c.rule, rule_sentence(impacts[first]).unwrap());
        }

        #[test]
        fn making_an_impact_worse_never_lowers_the_level(
            impacts in prop::collection::vec(valid_impact(), 1..8),
            which in any::<prop::sample::Index>(),
            raise_asset in any::<bool>(),
        ) {
            let before = classify(&impacts).unwrap().level;
            let i = which.index(impacts.len());
            let mut worse = impacts.clone();
            if raise_asset {
                let next = AssetClass::ALL.into_iter().find(|a| *a > worse[i].asset);
                match next {
                    Some(NationalSecret) if worse[i].kind == Disruption => return Ok(()),
                    Some(a) => worse[i].asset = a,
                    None => return Ok(()),
                }
            } else {
                worse[i].severe = true;
            }
            let after = classify(&worse).unwrap().level;
            prop_assert!(after >= before, "{:?} -> {:?}", before, after);
        }
    }
}
