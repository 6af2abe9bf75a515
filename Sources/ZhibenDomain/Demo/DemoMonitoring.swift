import Foundation

extension DemoData {
    /// What a demo enterprise with each special risk monitors, with limits such an enterprise might set
    /// for its own equipment. They are the fictional enterprises' choices, not reference values.
    static let demoPoints: [(risk: SpecialRisk, code: String, name: String, indicator: String, unit: String, interval: Int, limits: AlarmLimits)] = [
        (.combustibleDust, "TT-101", "1#除尘器灰斗温度", "DUST-DRY-HOPPER-TEMP", "°C", 60, AlarmLimits(high: 60, highHigh: 75, onDelay: 30, deadband: 3)),
        (.combustibleDust, "PDT-101", "1#除尘器进出口压差", "DUST-DRY-DP", "Pa", 60, AlarmLimits(low: 300, high: 1800, highHigh: 2500, onDelay: 60, deadband: 50)),
        (.combustibleDust, "XS-101", "1#除尘器锁气卸灰阀", "DUST-DRY-AIRLOCK-FAULT", "", 30, AlarmLimits(abnormalStates: ["fault"])),
        (.combustibleDust, "HS-101", "1#除尘风机启停", "DUST-COLLECTOR-RUN", "", 30, AlarmLimits(abnormalStates: ["stopped"], onDelay: 60)),
        (.gas, "AT-201", "煤气加压站一氧化碳浓度", "STEEL-CO-CONC", "ppm", 10, AlarmLimits(high: 24, highHigh: 160, onDelay: 10, deadband: 4)),
        (.metalSmelting, "FT-301", "转炉氧枪冷却水进水流量", "STEEL-BOF-LANCE-CW-IN", "m3/h", 10, AlarmLimits(lowLow: 60, low: 80, onDelay: 5, deadband: 3)),
        (.metalSmelting, "TT-302", "转炉氧枪冷却水出水温度", "STEEL-BOF-LANCE-CW-OUTT", "°C", 10, AlarmLimits(high: 45, highHigh: 55, onDelay: 5, deadband: 2)),
        (.deepWellCasting, "PT-401", "结晶器冷却水压力", "AL-MOLD-CW-P", "MPa", 5, AlarmLimits(lowLow: 0.15, low: 0.2, onDelay: 3, deadband: 0.02)),
        (.deepWellCasting, "FT-402", "结晶器冷却水流量", "AL-MOLD-CW-FLOW", "m3/h", 5, AlarmLimits(lowLow: 80, low: 100, onDelay: 3, deadband: 5)),
        (.deepWellCasting, "LT-403", "铸井水位", "AL-PIT-WATER-LEVEL", "m", 10, AlarmLimits(high: 2.5, highHigh: 3.0, onDelay: 10, deadband: 0.1)),
        (.deepWellCasting, "XS-404", "流槽快速切断阀", "AL-QUICK-SHUTOFF", "", 5, AlarmLimits(abnormalStates: ["fault"])),
    ]

    /// Whether a point's code is one the demo gives its enterprises (the server's own simulator drives
    /// only those, leaving points people add to real gateways or to `zhiben simulate`).
    public static func isDemoPointCode(_ code: String) -> Bool {
        demoPoints.contains { $0.code == code }
    }

    /// Points for every demo enterprise with a monitored special risk.
    public static func monitoringPoints(for enterprises: [Enterprise], now: Date) -> [MonitoringPoint] {
        var out: [MonitoringPoint] = []
        for e in enterprises where e.active {
            for p in demoPoints where e.profile.specialRisks.contains(p.risk) {
                guard let indicator = MonitoringCatalogue.indicator(p.indicator) else { continue }
                out.append(MonitoringPoint(enterpriseID: e.id, countyCode: e.profile.countyCode, enterpriseName: e.profile.name, code: p.code,
                                           name: p.name, indicator: p.indicator, equipment: indicator.equipmentZh, unit: p.unit, kind: indicator.kind,
                                           interval: p.interval, limits: p.limits, createdAt: now, updatedAt: now))
            }
        }
        return out
    }
}
