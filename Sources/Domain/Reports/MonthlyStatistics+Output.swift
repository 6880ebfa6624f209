import Foundation

/// The open-data forms of `MonthlyStatistics`: JSON (`--json`, `GET /v1/statistics`) and CSV
/// (`--csv`). Latin digits and ISO days for machines, the Hijri month and the services'
/// names in Arabic and English beside them for people.
extension MonthlyStatistics {
    public func json(from: Day?, to: Day?) -> JSONValue {
        .object([
            "calendar": "islamic-umm-al-qura",
            "from": from.map { .string($0.iso) } ?? .null,
            "to": to.map { .string($0.iso) } ?? .null,
            "months": .array(months.map { month in
                .object([
                    "hijri_month": .string(month.month.description), "name_en": .string(month.month.nameEn),
                    "name_ar": .string(month.month.nameAr), "first_day": .string(month.firstDay.iso),
                    "last_day": .string(month.lastDay.iso),
                    "services": .array(month.services.map(Self.json)), "total": Self.json(month.total),
                ])
            }),
            "total": .object(["services": .array(total.map(Self.json)), "total": Self.json(grandTotal)]),
        ])
    }

    /// A header line, then one line per month and service.
    public var csv: [String] {
        var lines = ["hijri_month,name_en,name_ar,first_day,last_day,service,service_en,service_ar,completed,rejected,failed,cancelled,total"]
        for month in months {
            for (code, counts) in month.services {
                let service = ServiceCatalog.service(code)
                lines.append([
                    month.month.description, month.month.nameEn, month.month.nameAr, month.firstDay.iso, month.lastDay.iso,
                    code, service?.nameEn ?? code, service?.nameAr ?? code,
                    String(counts.completed), String(counts.rejected), String(counts.failed), String(counts.cancelled), String(counts.total),
                ].map(Self.csvField).joined(separator: ","))
            }
        }
        return lines
    }

    private static func json(_ entry: (code: String, counts: Counts)) -> JSONValue {
        let service = ServiceCatalog.service(entry.code)
        var object = json(entry.counts).objectValue ?? [:]
        object["service"] = .string(entry.code)
        object["name_en"] = .string(service?.nameEn ?? entry.code)
        object["name_ar"] = .string(service?.nameAr ?? entry.code)
        return .object(object)
    }

    private static func json(_ counts: Counts) -> JSONValue {
        .object(["completed": JSONValue(counts.completed), "rejected": JSONValue(counts.rejected), "failed": JSONValue(counts.failed),
                 "cancelled": JSONValue(counts.cancelled), "total": JSONValue(counts.total)])
    }

    /// RFC 4180: quoted when it holds a comma, a quote or a line break.
    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
