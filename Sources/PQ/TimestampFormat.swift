import Foundation

/// Fast, allocation-light conversion between `Date` and PostgreSQL's ISO text forms.
///
/// Sessions run with `DateStyle=ISO` and `TimeZone=UTC` (see `ConnectionConfig`), so the
/// server writes `2026-11-29 12:15:53.123456+00`; offsets other than `+00` are handled too.
enum TimestampFormat {
    /// `2026-11-29T12:15:53.123456Z`
    static func format(_ date: Date) -> String {
        let (seconds, fraction) = microseconds(date)
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civil(fromDays: days)
        var text = ""
        text.reserveCapacity(27)
        text += pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        text += "T" + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if fraction != 0 { text += "." + pad(fraction, 6) }
        return text + "Z"
    }

    /// Whole seconds since 1970 and the microseconds after them (0...999,999): the date as a
    /// `timestamptz` holds it.
    static func microseconds(_ date: Date) -> (seconds: Int64, fraction: Int64) {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        return (seconds, fraction)
    }

    /// Parses `YYYY-MM-DD[ HH:MM:SS[.ffffff][±HH[:MM[:SS]]]]` and `infinity`/`-infinity`.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        if bytes.elementsEqual("infinity".utf8) { return .distantFuture }
        if bytes.elementsEqual("-infinity".utf8) { return .distantPast }
        var reader = Reader(bytes: bytes)
        guard let year = reader.number(4), reader.skip("-"),
              let month = reader.number(2), reader.skip("-"),
              let day = reader.number(2) else { return nil }
        var seconds = days(fromCivil: year, month, day) * 86_400
        var micros: Int64 = 0
        if reader.skip(" ") || reader.skip("T") {
            guard let hour = reader.number(2), reader.skip(":"),
                  let minute = reader.number(2), reader.skip(":"),
                  let second = reader.number(2) else { return nil }
            seconds += hour * 3600 + minute * 60 + second
            if reader.skip(".") {
                var digits = 0
                while let digit = reader.digit() {
                    if digits < 6 { micros = micros * 10 + digit }
                    digits += 1
                }
                while digits < 6 {
                    micros *= 10
                    digits += 1
                }
            }
            if reader.skip("Z") {
                // UTC
            } else if let sign = reader.sign() {
                guard let offsetHours = reader.number(2) else { return nil }
                var offset = offsetHours * 3600
                if reader.skip(":"), let offsetMinutes = reader.number(2) {
                    offset += offsetMinutes * 60
                    if reader.skip(":"), let offsetSeconds = reader.number(2) { offset += offsetSeconds }
                }
                seconds -= sign * offset
            }
        }
        guard reader.atEnd else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index == bytes.count }

        mutating func number(_ width: Int) -> Int64? {
            guard index + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<width {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            // Years may have more than four digits.
            if width == 4 { while let digit = digit() { value = value * 10 + digit } }
            return value
        }

        mutating func digit() -> Int64? {
            guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
            defer { index += 1 }
            return Int64(bytes[index] - 48)
        }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
            index += 1
            return true
        }

        mutating func sign() -> Int64? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
