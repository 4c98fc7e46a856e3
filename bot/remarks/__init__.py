"""«Замечаний нет» rounds: due dates, answers, silent consent, the steps and their sweep part."""
