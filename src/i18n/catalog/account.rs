//! The user's own account: changing a password, resetting a forgotten one.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[
    ("password.change_title", "變更密碼", "Change password"),
    ("password.current", "目前密碼", "Current password"),
    ("password.new", "新密碼", "New password"),
    (
        "password.rules",
        "至少 12 個字元；請用不易猜測的片語，勿用常見密碼、電子郵件或舊密碼。",
        "At least 12 characters: a phrase that is hard to guess, not a common password, your e-mail or your old password.",
    ),
    ("password.change_submit", "變更密碼", "Change password"),
    ("password.changed", "密碼已變更。", "Your password was changed."),
    ("password.current_wrong", "目前密碼不正確。", "The current password is not right."),
    ("password.too_short", "新密碼至少需 12 個字元。", "The new password needs at least 12 characters."),
    ("password.too_long", "新密碼過長（最多 1024 個字元）。", "The new password is too long (at most 1024 characters)."),
    ("password.control", "新密碼不可含控制字元（如換行）。", "The new password may not hold control characters such as line breaks."),
    ("password.same", "新密碼不可與目前密碼相同。", "The new password must differ from the current one."),
    (
        "password.guessable",
        "新密碼太容易猜到（常見密碼、鍵盤排列或含您的電子郵件），請改用較長的片語。",
        "The new password is too easy to guess (a common password, a keyboard pattern or your e-mail): use a longer phrase.",
    ),
    ("password.forgot_link", "忘記密碼？", "Forgot your password?"),
    ("password.forgot_title", "重設密碼", "Reset your password"),
    ("password.forgot_submit", "寄送重設連結", "Send a reset link"),
    ("password.email_needed", "請輸入電子郵件。", "Enter your e-mail address."),
    (
        "password.sent",
        "若此電子郵件有帳號，重設連結已寄出，30 分鐘內有效且僅能使用一次。",
        "If this address has an account, a reset link is on its way; it works once, within 30 minutes.",
    ),
    ("password.reset_title", "設定新密碼", "Set a new password"),
    ("password.reset_submit", "設定新密碼", "Set the new password"),
    (
        "password.link_invalid",
        "此重設連結無效、已使用或已逾期，請重新申請。",
        "This reset link is not valid, was used or has expired: ask for a new one.",
    ),
    ("password.reset_subject", "資通安全事件通報應變入口網：重設密碼", "Incident portal: reset your password"),
    (
        "password.reset_mail",
        "請於 {minutes} 分鐘內開啟以下連結設定新密碼（僅能使用一次）：\n{link}\n若非您本人申請，請忽略本信，密碼不會變更。",
        "Open this link within {minutes} minutes to set a new password (it works once):\n{link}\nIf you did not ask for it, ignore this e-mail; your password stays as it is.",
    ),
];
