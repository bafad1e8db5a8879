"use client";
import { apiCall } from "../../../../_components/api-client";
import { buttonClass, FormError, Spinner } from "../../../../_components/form-controls";
import { useApiAction } from "../../../../_components/use-api-action";

/**
 * One network setting on the Settings page: a card that says what the setting does and what it is
 * now, and for those who may change it, a form whose fields PATCH the network. `body` turns the
 * form's fields into the PATCH body; `fields` render the inputs with their inline errors.
 */
export function NetworkSettingForm({
  networkId,
  title,
  description,
  canEdit,
  success,
  body,
  fields,
  testId,
}: {
  networkId: string;
  title: string;
  description: React.ReactNode;
  canEdit: boolean;
  success: string;
  body: (form: FormData) => Record<string, unknown>;
  fields: (errors: Record<string, string[] | undefined>) => React.ReactNode;
  testId?: string;
}) {
  const { fields: errors, error, busy, run } = useApiAction();
  return (
    <section className="space-y-4 rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900" data-testid={testId}>
      <h2 className="text-lg font-medium">{title}</h2>
      <p className="text-sm text-slate-500 dark:text-slate-400">{description}</p>
      {canEdit && (
        <form
          noValidate
          className="flex flex-wrap items-end gap-3"
          onSubmit={async (e) => {
            e.preventDefault();
            const patch = body(new FormData(e.currentTarget));
            await run(() => apiCall("PATCH", `/api/v1/networks/${networkId}`, patch), { success });
          }}
        >
          {fields(errors)}
          <button className={buttonClass} disabled={busy}>
            {busy && <Spinner />} Save
          </button>
          <FormError message={error} />
        </form>
      )}
    </section>
  );
}
