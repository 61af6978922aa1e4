use carelog_domain::billing::MonthStatus;
use carelog_domain::practice_time::YearMonth;

use crate::{Result, Store};

impl Store {
    /// Whether billing has closed a month (its entries are then locked).
    pub async fn is_month_closed(&self, month: YearMonth) -> Result<bool> {
        let closed = self
            .count(
                "SELECT COUNT(*) AS n FROM billing_months WHERE billing_year = $1 AND billing_month = $2 AND status = $3",
                vec![month.year.into(), (month.month as i32).into(), MonthStatus::Closed.into()],
            )
            .await?;
        Ok(closed > 0)
    }
}
