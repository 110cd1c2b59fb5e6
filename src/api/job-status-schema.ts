// The statuses of the API, as zod enums of Kiln's one vocabulary (src/core/status.ts), in a file of
// their own: the queue's schemas and the UI's both import them.
import { z } from "zod";
import { BUILD_STATUSES, JOB_STATUSES, PACKAGE_STATUSES, REQUEST_STATUSES } from "../core/status.js";

export const JobStatus = z.enum(JOB_STATUSES);
export const BuildStatus = z.enum(BUILD_STATUSES);
export const RequestStatus = z.enum(REQUEST_STATUSES);
export const PackageStatus = z.enum(PACKAGE_STATUSES);
