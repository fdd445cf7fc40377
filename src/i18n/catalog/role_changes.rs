//! Role grants waiting for a second person.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[
    ("nav.role_changes", "角色授予確認", "Role grants to confirm"),
    ("roles.pending_title", "待確認的角色授予", "Role grants waiting for confirmation"),
    (
        "roles.pending_help",
        "管理者授予的角色，須經另一位管理者或資安長確認後才生效；提出者與受授予者本人不得確認。移除角色立即生效並留有紀錄。",
        "Roles an administrator grants take effect only once another administrator or the CISO confirms them; neither the one who asked nor the one receiving them may. Removals take effect at once and are recorded.",
    ),
    ("roles.pending_none", "目前沒有待確認的角色授予。", "No role grants are waiting."),
    ("roles.pending_notice", "已儲存：移除的角色已生效；新授予的角色待另一位管理者或資安長確認後生效。", "Saved: removed roles took effect; the roles granted take effect once another administrator or the CISO confirms them."),
    ("roles.user", "使用者", "User"),
    ("roles.granted", "授予角色", "Roles granted"),
    ("roles.asked_by", "提出者", "Asked by"),
    ("roles.asked_at", "提出時間", "Asked at"),
    ("roles.decision", "確認", "Decision"),
    ("roles.confirm", "確認授予", "Confirm"),
    ("roles.reject", "不同意", "Turn down"),
    ("roles.not_yours", "您提出或受授予的，須由他人確認", "Yours to wait for: someone else confirms"),
];
