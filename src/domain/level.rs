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

use super::Bilingual;

/// What an impact did: the three security properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

    pub fn label_zh(self) -> &'static str {
        match self {
            ImpactKind::Leak => "洩漏",
            ImpactKind::Tamper => "竄改",
            ImpactKind::Disruption => "運作受影響或停頓",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ImpactKind::Leak => "Leak (confidentiality)",
            ImpactKind::Tamper => "Tampering (integrity)",
            ImpactKind::Disruption => "Operation affected or halted (availability)",
        }
    }

    /// The two severities in this kind's own words: leak and tamper are minor
    /// (輕微) or severe (嚴重); a disruption is restored within the tolerable
    /// downtime or not.
    pub fn severity_label_zh(self, severe: bool) -> &'static str {
        match (self, severe) {
            (ImpactKind::Disruption, false) => "於可容忍中斷時間內回復正常運作",
            (ImpactKind::Disruption, true) => "無法於可容忍中斷時間內回復正常運作",
            (_, false) => "輕微",
            (_, true) => "嚴重",
        }
    }

    pub fn severity_label_en(self, severe: bool) -> &'static str {
        match (self, severe) {
            (ImpactKind::Disruption, false) => "restored within the tolerable downtime",
            (ImpactKind::Disruption, true) => "not restored within the tolerable downtime",
            (_, false) => "minor",
            (_, true) => "severe",
        }
    }
}

/// The asset class an impact concerns, in ascending order of gravity
/// (the derived `Ord` follows declaration order, which the table relies on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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

    /// The class in general, for a picker that does not yet know the kind.
    pub fn label_zh(self) -> &'static str {
        match self {
            AssetClass::NonCore => "非核心業務資訊或非核心資通系統",
            AssetClass::Core => "未涉及關鍵基礎設施維運之核心業務資訊或核心資通系統",
            AssetClass::Sensitive => {
                "一般公務機密、涉及關鍵基礎設施維運之核心業務資訊或核心資通系統"
            }
            AssetClass::NationalSecret => "國家機密",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            AssetClass::NonCore => "Non-core business information or systems",
            AssetClass::Core => {
                "Core business information or systems not involving critical-infrastructure operation"
            }
            AssetClass::Sensitive => {
                "General official secrets, or core business information or systems involving critical-infrastructure operation"
            }
            AssetClass::NationalSecret => "National secrets",
        }
    }

    /// The class as the regulation names it for one kind of impact
    /// (information for a leak, information or systems for tampering,
    /// the operation of systems for a disruption). `None` for the one
    /// combination the regulation does not have: disruption of national secrets.
    pub fn label_for(self, kind: ImpactKind) -> Option<Bilingual> {
        let (zh, en) = match (kind, self) {
            (ImpactKind::Leak, AssetClass::NonCore) => {
                ("非核心業務資訊", "Non-core business information")
            }
            (ImpactKind::Leak, AssetClass::Core) => (
                "未涉及關鍵基礎設施維運之核心業務資訊",
                "Core business information not involving critical-infrastructure operation",
            ),
            (ImpactKind::Leak, AssetClass::Sensitive) => (
                "一般公務機密、涉及關鍵基礎設施維運之核心業務資訊",
                "General official secrets or core business information involving critical-infrastructure operation",
            ),
            (ImpactKind::Tamper, AssetClass::NonCore) => (
                "非核心業務資訊或非核心資通系統",
                "Non-core business information or non-core systems",
            ),
            (ImpactKind::Tamper, AssetClass::Core) => (
                "未涉及關鍵基礎設施維運之核心業務資訊或核心資通系統",
                "Core business information or core systems not involving critical-infrastructure operation",
            ),
            (ImpactKind::Tamper, AssetClass::Sensitive) => (
                "一般公務機密、涉及關鍵基礎設施維運之核心業務資訊或核心資通系統",
                "General official secrets, or core business information or core systems involving critical-infrastructure operation",
            ),
            (ImpactKind::Leak | ImpactKind::Tamper, AssetClass::NationalSecret) => {
                ("國家機密", "National secrets")
            }
            (ImpactKind::Disruption, AssetClass::NonCore) => {
                ("非核心資通系統之運作", "The operation of non-core systems")
            }
            (ImpactKind::Disruption, AssetClass::Core) => (
                "未涉及關鍵基礎設施維運之核心資通系統之運作",
                "The operation of core systems not involving critical-infrastructure operation",
            ),
            // The note of SPEC 2: for disruption only the CI core applies.
            (ImpactKind::Disruption, AssetClass::Sensitive) => (
                "涉及關鍵基礎設施維運之核心資通系統之運作",
                "The operation of core systems involving critical-infrastructure operation",
            ),
            (ImpactKind::Disruption, AssetClass::NationalSecret) => return None,
        };
        Some(Bilingual::new(zh, en))
    }
}

/// One effect of the incident. For a disruption, `severe` means the system
/// was NOT restored within its tolerable downtime (無法於可容忍中斷時間內回復).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

    pub fn label_zh(self) -> &'static str {
        match self {
            IncidentLevel::L1 => "第一級",
            IncidentLevel::L2 => "第二級",
            IncidentLevel::L3 => "第三級",
            IncidentLevel::L4 => "第四級",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            IncidentLevel::L1 => "Level 1",
            IncidentLevel::L2 => "Level 2",
            IncidentLevel::L3 => "Level 3",
            IncidentLevel::L4 => "Level 4",
        }
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
    pub rule: Bilingual,
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
    pub fn zh(&self) -> String {
        match self {
            ClassifyError::NoImpacts => "未填寫任何影響，無法判定事件等級".to_owned(),
            ClassifyError::DisruptionOfNationalSecrets { index } => format!(
                "第{}項影響：國家機密僅有洩漏或竄改，不適用運作受影響或停頓",
                index + 1
            ),
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
pub fn rule_sentence(impact: Impact) -> Result<Bilingual, ClassifyError> {
    let level = impact_level(impact)?;
    let subject = impact
        .asset
        .label_for(impact.kind)
        .ok_or(ClassifyError::DisruptionOfNationalSecrets { index: 0 })?;
    let national = impact.asset == AssetClass::NationalSecret;
    let (pred_zh, pred_en) = match (impact.kind, impact.severe) {
        (ImpactKind::Leak, _) if national => ("遭洩漏", "leaked"),
        (ImpactKind::Tamper, _) if national => ("遭竄改", "tampered with"),
        (ImpactKind::Leak, false) => ("遭輕微洩漏", "leaked, minor"),
        (ImpactKind::Leak, true) => ("遭嚴重洩漏", "leaked, severe"),
        (ImpactKind::Tamper, false) => ("遭輕微竄改", "tampered with, minor"),
        (ImpactKind::Tamper, true) => ("遭嚴重竄改", "tampered with, severe"),
        (ImpactKind::Disruption, false) => (
            "受影響或停頓，於可容忍中斷時間內回復正常運作",
            "affected or halted, restored within the tolerable downtime",
        ),
        (ImpactKind::Disruption, true) => (
            "受影響或停頓，無法於可容忍中斷時間內回復正常運作",
            "affected or halted, not restored within the tolerable downtime",
        ),
    };
    Ok(Bilingual {
        zh: format!(
            "{}{}，屬{}資通安全事件",
            subject.zh,
            pred_zh,
            level.label_zh()
        ),
        en: format!(
            "{} {}: a level {} cybersecurity incident",
            subject.en,
            pred_en,
            level.number()
        ),
    })
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
                        let suffix = format!("屬{}資通安全事件", level.label_zh());
                        assert!(c.rule.zh.ends_with(&suffix), "{}", c.rule.zh);
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
    fn rule_sentences_use_the_current_regulation_wording() {
        let c = classify(&[imp(Leak, Sensitive, false)]).unwrap();
        assert_eq!(
            c.rule.zh,
            "一般公務機密、涉及關鍵基礎設施維運之核心業務資訊遭輕微洩漏，屬第三級資通安全事件"
        );
        let c = classify(&[imp(Tamper, Core, true)]).unwrap();
        assert_eq!(
            c.rule.zh,
            "未涉及關鍵基礎設施維運之核心業務資訊或核心資通系統遭嚴重竄改，屬第三級資通安全事件"
        );
        let c = classify(&[imp(Leak, NationalSecret, false)]).unwrap();
        assert_eq!(c.rule.zh, "國家機密遭洩漏，屬第四級資通安全事件");
        let c = classify(&[imp(Disruption, NonCore, true)]).unwrap();
        assert_eq!(
            c.rule.zh,
            "非核心資通系統之運作受影響或停頓，無法於可容忍中斷時間內回復正常運作，屬第二級資通安全事件"
        );
        assert!(c.rule.en.contains("level 2"), "{}", c.rule.en);
    }

    /// SPEC 2 note: "for disruption, only the critical-infrastructure core applies".
    #[test]
    fn disruption_of_the_sensitive_class_means_the_critical_infrastructure_core_only() {
        for severe in [false, true] {
            let c = classify(&[imp(Disruption, Sensitive, severe)]).unwrap();
            assert!(c
                .rule
                .zh
                .starts_with("涉及關鍵基礎設施維運之核心資通系統之運作"));
            assert!(!c.rule.zh.contains("公務機密"), "{}", c.rule.zh);
            assert!(!c.rule.en.contains("secrets"), "{}", c.rule.en);
        }
        let label = Sensitive.label_for(Disruption).unwrap();
        assert!(!label.zh.contains("公務機密"));
        assert!(Sensitive
            .label_for(Leak)
            .unwrap()
            .zh
            .contains("一般公務機密"));
        assert_eq!(NationalSecret.label_for(Disruption), None);
    }

    #[test]
    fn no_impacts_is_an_error() {
        assert_eq!(classify(&[]), Err(ClassifyError::NoImpacts));
        assert!(!ClassifyError::NoImpacts.zh().is_empty());
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
        assert!(err.zh().starts_with("第3項影響"), "{}", err.zh());
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
        assert!(c.rule.zh.contains("遭嚴重洩漏"));
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
