Console.WriteLine("Reports AppHost");
