import Foundation

/// The Chinese names of the states a state point reports (a device's running, stopped, fault, …);
/// a state the catalogue does not know is shown as sent.
public enum StateValues {
    public static let names: [String: (zh: String, en: String)] = [
        "normal": ("正常", "normal"), "fault": ("故障", "fault"), "stopped": ("停机", "stopped"), "running": ("运行", "running"),
        "open": ("开启", "open"), "closed": ("关闭", "closed"), "alarm": ("报警", "alarm"), "on": ("开", "on"), "off": ("关", "off"),
        "triggered": ("动作", "triggered"), "detected": ("检出", "detected"), "manual": ("手动", "manual"), "auto": ("自动", "auto"),
        "bypassed": ("旁路", "bypassed"), "powerLoss": ("失电", "power loss"), "ok": ("正常", "ok"),
    ]

    public static func label(_ v: String, _ lang: Language = .zh) -> String { names[v].map { lang == .en ? $0.en : $0.zh } ?? v }
}
