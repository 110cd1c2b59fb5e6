// `kiln tokens list|create NAME --role R|revoke NAME`: a server's API tokens (admin token needed).
import { Option, type Command } from "commander";
import { RevokeResponse, TokenList } from "../api/admin-schemas.js";
import { TokenResponse } from "../api/schemas.js";
import { client, onServer, serverOptions, type ServerOptions } from "./remote.js";

export function registerTokens(program: Command): void {
  const tokens = program.command("tokens").description("a server's API tokens (with an admin token)");
  serverOptions(tokens.command("list").description("every token: name, role, made, revoked")).action(
    (o: ServerOptions) =>
      onServer(o, "tokens list", async () => {
        const { tokens: list } = await client(o).json(TokenList, "GET", "/tokens");
        for (const t of list) {
          const state = t.revokedAt
            ? `revoked ${t.revokedAt}${t.revokedBy ? ` by ${t.revokedBy}` : ""}`
            : "live";
          console.log(`${t.name.padEnd(20)} ${t.role.padEnd(10)} made ${t.createdAt}  ${state}`);
        }
      }),
  );
  serverOptions(
    tokens
      .command("create")
      .description("create a token; it is printed once (only its hash is kept)")
      .argument("<name>", "what the token is for (shown in logs and lists)")
      .addOption(
        new Option("--role <role>", "what it may do")
          .choices(["viewer", "maintainer", "admin", "enrol"])
          .makeOptionMandatory(),
      ),
  ).action((name: string, o: ServerOptions & { role: string }) =>
    onServer(o, "tokens create", async () => {
      const t = await client(o).json(TokenResponse, "POST", "/tokens", { name, role: o.role });
      console.error(`token "${t.name}" (${t.role}); it is shown only now:`);
      console.log(t.token);
    }),
  );
  serverOptions(
    tokens
      .command("revoke")
      .description("revoke a token: refused from the next request on")
      .argument("<name>", "the token's name"),
  ).action((name: string, o: ServerOptions) =>
    onServer(o, "tokens revoke", async () => {
      const r = await client(o).json(
        RevokeResponse,
        "POST",
        `/tokens/${encodeURIComponent(name)}/revoke`,
        {},
      );
      console.log(`revoked token "${r.name}"`);
    }),
  );
}
