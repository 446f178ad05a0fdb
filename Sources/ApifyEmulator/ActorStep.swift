/// One step of a scripted actor, written in JSON as an object with exactly one key:
///
/// | JSON | effect |
/// |---|---|
/// | `{"log": "text"}` | appends a line to the run's log |
/// | `{"sleep": 0.5}` or `{"sleep": "{{input.seconds\|3600}}"}` | waits that many seconds (the timeout still applies) |
/// | `{"statusMessage": "text"}` | sets the run's `statusMessage` |
/// | `{"record": {...}}` | stores a record in the run's key-value store (see ``RecordStep``) |
/// | `{"pushItems": [ ... ]}` | appends items to the run's dataset |
/// | `{"finish": {...}}` | ends the run (see ``FinishStep``) |
///
/// Strings of `log`, `statusMessage`, a string `sleep`, `record.template` and `finish.statusMessage` are templates:
/// `{{input.FIELD}}` or
/// `{{input.FIELD|DEFAULT}}` is replaced by that top-level field of the run's JSON input (see `InputTemplate`).
public enum ActorStep: Sendable, Equatable {
    case log(String)
    case sleep(SleepDuration)
    case statusMessage(String)
    case record(RecordStep)
    case pushItems([JSONValue])
    case finish(FinishStep)

    /// How long a `sleep` step waits: a fixed number of seconds or a template that yields one.
    public enum SleepDuration: Sendable, Equatable {
        case seconds(Double)
        case template(String)
    }
}

extension ActorStep: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case log, sleep, statusMessage, record, pushItems, finish
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let present = CodingKeys.allCases.filter { container.contains($0) }
        guard present.count == 1, let key = present.first else {
            let names = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a step must have exactly one of: \(names)")
            )
        }
        switch key {
        case .log:
            self = .log(try container.decode(String.self, forKey: .log))
        case .sleep:
            if let seconds = try? container.decode(Double.self, forKey: .sleep) {
                guard seconds >= 0 else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .sleep, in: container, debugDescription: "sleep must be 0 or more seconds")
                }
                self = .sleep(.seconds(seconds))
            } else {
                self = .sleep(.template(try container.decode(String.self, forKey: .sleep)))
            }
        case .statusMessage:
            self = .statusMessage(try container.decode(String.self, forKey: .statusMessage))
        case .record:
            self = .record(try container.decode(RecordStep.self, forKey: .record))
        case .pushItems:
            self = .pushItems(try container.decode([JSONValue].self, forKey: .pushItems))
        case .finish:
            self = .finish(try container.decode(FinishStep.self, forKey: .finish))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .log(let text): try container.encode(text, forKey: .log)
        case .sleep(.seconds(let seconds)): try container.encode(seconds, forKey: .sleep)
        case .sleep(.template(let template)): try container.encode(template, forKey: .sleep)
        case .statusMessage(let text): try container.encode(text, forKey: .statusMessage)
        case .record(let record): try container.encode(record, forKey: .record)
        case .pushItems(let items): try container.encode(items, forKey: .pushItems)
        case .finish(let finish): try container.encode(finish, forKey: .finish)
        }
    }
}
