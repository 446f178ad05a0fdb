import Foundation

/// A run's Actor output object: the actor definition's `output`, with the run's URLs and IDs filled in, as the
/// platform fills in an output schema's templates when the run starts.
///
/// Placeholders, in any string of the object: `{{run.id}}`, `{{run.defaultDatasetId}}`,
/// `{{run.defaultKeyValueStoreId}}`, `{{run.defaultRequestQueueId}}`, `{{links.apiRunUrl}}`,
/// `{{links.apiDefaultDatasetUrl}}`, `{{links.apiDefaultKeyValueStoreUrl}}`. Other `{{...}}` text is kept.
enum OutputObject {
    static func render(_ template: JSONValue, for run: ActorRun, apiBaseURL: String) -> JSONValue {
        let values = [
            "run.id": run.id,
            "run.defaultDatasetId": run.defaultDatasetId,
            "run.defaultKeyValueStoreId": run.defaultKeyValueStoreId,
            "run.defaultRequestQueueId": run.defaultRequestQueueId,
            "links.apiRunUrl": "\(apiBaseURL)/v2/actor-runs/\(run.id)",
            "links.apiDefaultDatasetUrl": "\(apiBaseURL)/v2/datasets/\(run.defaultDatasetId)",
            "links.apiDefaultKeyValueStoreUrl": "\(apiBaseURL)/v2/key-value-stores/\(run.defaultKeyValueStoreId)",
        ]
        return filled(template, values)
    }

    private static func filled(_ value: JSONValue, _ values: [String: String]) -> JSONValue {
        switch value {
        case .string(let text): .string(fill(text, values))
        case .array(let elements): .array(elements.map { filled($0, values) })
        case .object(let members): .object(members.map { JSONValue.Member($0.key, filled($0.value, values)) })
        default: value
        }
    }

    private static func fill(_ text: String, _ values: [String: String]) -> String {
        var result = text
        for (name, value) in values {
            result = result.replacingOccurrences(of: "{{\(name)}}", with: value)
        }
        return result
    }
}
