// The test client's reply types come from the generated document types by path and method
// (test/helpers/typed.ts): checked by the compiler (npx tsc --noEmit), trivially true at run time.
import { describe, expectTypeOf, it } from "vitest";
import type { ReplyJson } from "../helpers/typed";

describe("call() reply types", () => {
  it("are the documented success body for a documented method and path", () => {
    expectTypeOf<ReplyJson<"GET", "/1.3/object-storage-2/regions">[number]["name"]>().toEqualTypeOf<string>();
    expectTypeOf<ReplyJson<"GET", `/1.3/object-storage-2/regions/${string}`>["primary_zone"]>().toEqualTypeOf<string>();
    expectTypeOf<ReplyJson<"POST", "http://api.test/admin/v1/accounts">["id"]>().toEqualTypeOf<string>();
    // Query strings do not change the operation; an error answer's fields stay readable.
    expectTypeOf<ReplyJson<"GET", "/1.3/object-storage-2?limit=5">[number]["uuid"]>().toEqualTypeOf<string>();
    expectTypeOf<ReplyJson<"GET", `/1.3/object-storage-2/regions/${string}`>>().toHaveProperty("invalid_params");
  });

  it("are any where the path or method is not one documented operation", () => {
    expectTypeOf<ReplyJson<"GET", "/1.3/object-storage-2/no-such-resource/x/y/z">>().toBeAny();
    expectTypeOf<ReplyJson<"PATCH", "/1.3/object-storage-2/regions/eu-1">>().toBeAny();
    expectTypeOf<ReplyJson<string, "/1.3/object-storage-2/regions">>().toBeAny();
  });
});
