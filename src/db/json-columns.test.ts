import { describe, expect, it } from "vitest";
import { fromJson, fromJsonOrNull, jobDefinition } from "./json-columns.js";

describe("JSON columns", () => {
  it("reads a column as what it holds", () => {
    expect(fromJson("labels", '{"arch":"x86_64"}')).toEqual({ arch: "x86_64" });
    expect(fromJson("strings", '["a","b"]')).toEqual(["a", "b"]);
    expect(fromJsonOrNull("trigger", null)).toBeNull();
    expect(
      jobDefinition(
        '{"name":"rpm","steps":[{"kind":"rpmbuild","name":"rpmbuild","timeoutSec":5,"env":{}}],"labels":{},"artifacts":[]}',
      ).steps[0]!.kind,
    ).toBe("rpmbuild");
  });

  it("names the column that holds the wrong thing, or no JSON at all", () => {
    expect(() => fromJson("labels", '{"arch":1}', "agents.labels")).toThrow(
      /the database's agents\.labels column does not hold what it should/,
    );
    expect(() => fromJson("strings", "[1,", "requests.targets")).toThrow(
      /the database's requests\.targets column holds no valid JSON/,
    );
  });
});
