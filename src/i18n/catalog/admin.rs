//! Texts of admin: the agency register's rules on where an agency may sit in the tree.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[
    (
        "error.sector_authority_for_government",
        "公務機關應通知其上級機關，不設中央目的事業主管機關；請改填上級機關，或留空（無上級機關者，應通知主管機關）。",
        "A government agency notifies its superior agency and has no sector authority; choose a superior agency instead, or none (an agency without one notifies the competent authority).",
    ),
    (
        "error.superior_for_specific_non_government",
        "特定非公務機關應通知其中央目的事業主管機關，不設上級機關；請改填中央目的事業主管機關，或留空（無者應通知主管機關）。",
        "A specific non-government agency notifies the central competent authority for its sector and has no superior agency; choose a sector authority instead, or none (without one it notifies the competent authority).",
    ),
    (
        "agency.superior_help",
        "公務機關適用。",
        "For government agencies.",
    ),
    (
        "agency.sector_authority_help",
        "特定非公務機關適用。",
        "For specific non-government agencies.",
    ),
    (
        "agency.supervising_help",
        "公務機關及特定非公務機關皆得設定。",
        "For either kind of agency.",
    ),
];
